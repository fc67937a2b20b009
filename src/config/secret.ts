import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { ConfigurationError } from '../errors/index.js';

const REDACTED = '[redacted]';

/**
 * A secret value that never prints itself. `String()`, `JSON.stringify`,
 * `util.inspect` and pino all see `[redacted]`; only `reveal()` returns it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Reads the secret named by `variable` from the environment, or from the file
 * named by `${variable}_FILE` (the Docker and Kubernetes secrets convention).
 * Trailing newlines in files are dropped, since editors add them.
 */
export function readSecret(variable: string, env: NodeJS.ProcessEnv = process.env): Secret {
  const direct = env[variable];
  const filePath = env[`${variable}_FILE`];

  if (direct !== undefined && filePath !== undefined) {
    throw new ConfigurationError(
      `Both ${variable} and ${variable}_FILE are set. Set only one of them.`,
    );
  }
  if (direct !== undefined && direct !== '') {
    return new Secret(direct);
  }
  if (filePath !== undefined && filePath !== '') {
    let contents: string;
    try {
      contents = readFileSync(filePath, 'utf8');
    } catch (error) {
      throw new ConfigurationError(
        `Cannot read the secret file ${filePath} named by ${variable}_FILE. Check that it exists and is readable.`,
        { cause: error },
      );
    }
    const value = contents.replace(/[\r\n]+$/, '');
    if (value === '') {
      throw new ConfigurationError(`The secret file ${filePath} named by ${variable}_FILE is empty.`);
    }
    return new Secret(value);
  }
  throw new ConfigurationError(
    `Missing secret: set the environment variable ${variable}, or ${variable}_FILE to a file that contains it.`,
  );
}
