import { Writable } from 'node:stream';
import { Secret } from '../../../src/config/secret.js';
import { createScimClient, type ScimClient, type ScimClientOptions } from '../../../src/ably/index.js';
import { createLogger } from '../../../src/logging.js';
import { ROLE_EXTENSION_URN } from './fake-scim-server.js';

export const TEST_USERNAME = 'scim';
export const TEST_PASSWORD = 's3cret-pass';

/** A client wired for tests: no rate limit, a fake clock that `delay` advances, and every log line captured. */
export interface TestClient {
  client: ScimClient;
  /** Every wait the client asked for, in order. */
  delays: number[];
  /** Raw pino output lines. */
  logLines: string[];
  clock: { now: number };
}

/** Creates a client against `baseUrl` whose waits never sleep. */
export function createTestClient(baseUrl: string, overrides: Partial<ScimClientOptions> = {}): TestClient {
  const delays: number[] = [];
  const logLines: string[] = [];
  const clock = { now: 1_750_000_000_000 };
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const client = createScimClient({
    baseUrl,
    username: new Secret(TEST_USERNAME),
    password: new Secret(TEST_PASSWORD),
    roleExtensionUrn: ROLE_EXTENSION_URN,
    requestsPerSecond: Number.POSITIVE_INFINITY,
    maxRetries: 3,
    requestTimeoutMs: 5_000,
    logger: createLogger({ level: 'debug', destination }).child({ component: 'scim-client' }),
    delay: async (ms) => {
      delays.push(ms);
      clock.now += ms;
    },
    random: () => 0.5,
    now: () => clock.now,
    ...overrides,
  });
  return { client, delays, logLines, clock };
}
