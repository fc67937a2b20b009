import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigurationError } from '../errors/index.js';
import { configSchema, type Config } from './schema.js';
import { readSecret, type Secret } from './secret.js';

/** The secrets a configuration names, read from the environment. */
export interface Secrets {
  oktaToken?: Secret;
  entraClientSecret?: Secret;
  entraCertificatePath?: Secret;
  scimUsername: Secret;
  scimPassword: Secret;
  adminToken?: Secret;
}

/** Reads, parses and validates a YAML configuration file. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `Cannot read the configuration file ${path}. Pass --config with the right path, or start from config/okta.example.yaml or config/entra.example.yaml.`,
      { cause: error },
    );
  }
  return parseConfig(text, path, env);
}

/** Parses and validates configuration text; `origin` names it in errors. */
export function parseConfig(text: string, origin: string, env: NodeJS.ProcessEnv = process.env): Config {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    throw new ConfigurationError(`Invalid YAML in ${origin}: ${first.message}`);
  }
  return validateConfig(document.toJS() ?? {}, origin, env);
}

/** Validates a configuration object and checks the rules that span several keys. */
export function validateConfig(value: unknown, origin: string, env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(value);
  if (!result.success) {
    throw new ConfigurationError(`Invalid configuration in ${origin}:\n${formatIssues(result.error.issues, value)}`);
  }
  const config = result.data;
  if (env.REDIS_URL) {
    config.redis.url = env.REDIS_URL;
  }
  const problems = crossCheck(config);
  if (problems.length > 0) {
    throw new ConfigurationError(`Invalid configuration in ${origin}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return config;
}

/** Reads every secret the configuration names. Throws a ConfigurationError naming the first missing one. */
export function readSecrets(config: Config, env: NodeJS.ProcessEnv = process.env): Secrets {
  const secrets: Secrets = {
    scimUsername: readSecret(config.ably.usernameEnv, env),
    scimPassword: readSecret(config.ably.passwordEnv, env),
  };
  const source = config.source;
  if (source.kind === 'okta') {
    secrets.oktaToken = readSecret(source.tokenEnv, env);
  }
  if (source.kind === 'entra') {
    if (source.clientSecretEnv) {
      secrets.entraClientSecret = readSecret(source.clientSecretEnv, env);
    }
    if (source.certificatePathEnv) {
      secrets.entraCertificatePath = readSecret(source.certificatePathEnv, env);
    }
  }
  const adminTokenVariable = config.server.adminTokenEnv;
  if (env[adminTokenVariable] || env[`${adminTokenVariable}_FILE`]) {
    secrets.adminToken = readSecret(adminTokenVariable, env);
  }
  return secrets;
}

function formatIssues(issues: z.core.$ZodIssue[], input: unknown): string {
  return issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        return `  - ${key}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}. Remove it or check its spelling.`;
      }
      if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
        return `  - ${key}: missing. Add it (expected ${issue.expected}).`;
      }
      return `  - ${key}: ${issue.message}`;
    })
    .join('\n');
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') {
      return undefined;
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  const accountIds = new Set(config.organization.accounts.map((account) => account.id));

  if (!accountIds.has(config.organization.primaryAccount)) {
    problems.push(
      `organization.primaryAccount: "${config.organization.primaryAccount}" is not listed in organization.accounts. Add it there or fix the id.`,
    );
  }

  config.mapping.groups.forEach((entry, index) => {
    const { pattern } = entry.idpGroup;
    if (pattern !== undefined) {
      try {
        new RegExp(pattern);
      } catch {
        problems.push(`mapping.groups.${index}.idpGroup.pattern: "${pattern}" is not a valid regular expression.`);
      }
    }
    entry.accounts.forEach((grant, grantIndex) => {
      const at = `mapping.groups.${index}.accounts.${grantIndex}`;
      if (!accountIds.has(grant.account)) {
        problems.push(`${at}.account: "${grant.account}" is not listed in organization.accounts. Add it there or fix the id.`);
      }
      if (grant.roles.includes('Owner')) {
        problems.push(
          `${at}.roles: Owner cannot be granted through a group, because each Ably account has exactly one Owner. Transfer ownership in the Ably dashboard and map Admin instead.`,
        );
      }
    });
  });

  const source = config.source;
  if (source.kind === 'entra' && !source.clientSecretEnv && !source.certificatePathEnv) {
    problems.push('source: set clientSecretEnv or certificatePathEnv so the Entra connector can authenticate.');
  }
  return problems;
}
