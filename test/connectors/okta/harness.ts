import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/logging.js';
import type { OktaSourceConfig } from '../../../src/config/schema.js';
import { Secret } from '../../../src/config/secret.js';
import { createOktaConnector, type OktaConnectorOptions } from '../../../src/connectors/okta/index.js';
import type { IncrementalDirectoryConnector } from '../../../src/domain/directory.js';
import { startOktaServer, type OktaServer } from '../../../src/sandbox/okta-server.js';
import { createSampleDirectory, type SampleDirectoryOptions } from '../../../src/sandbox/sample-directory.js';

export const TEST_TOKEN = '00TestTokenValue-never-printed-7Qx';

/** A clock tests move by hand; the server and the connector share it. */
export interface ManualClock {
  now: () => Date;
  advance(ms: number): void;
}

export function manualClock(start = '2026-03-02T10:00:00.000Z'): ManualClock {
  let current = Date.parse(start);
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
}

export interface OktaHarness {
  server: OktaServer;
  connector: IncrementalDirectoryConnector;
  clock: ManualClock;
  config: OktaSourceConfig;
  /** Every log line the connector wrote, as raw JSON text. */
  logLines: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  directory?: SampleDirectoryOptions;
  config?: Partial<OktaSourceConfig>;
  connector?: Partial<Pick<OktaConnectorOptions, 'logRetentionMs' | 'overlapMs'>>;
  /** The token the connector sends; defaults to the server's. */
  clientToken?: string;
}

/** Starts a local Okta server with a sample directory and a connector pointed at it. */
export async function startHarness(options: HarnessOptions = {}): Promise<OktaHarness> {
  const clock = manualClock();
  const server = await startOktaServer({
    directory: createSampleDirectory(options.directory),
    token: TEST_TOKEN,
    clock: clock.now,
  });
  const config: OktaSourceConfig = {
    kind: 'okta',
    orgUrl: server.url,
    tokenEnv: 'OKTA_API_TOKEN',
    provisionPendingUsers: false,
    pageSize: 200,
    maxRetries: 2,
    requestTimeoutMs: 5_000,
    ...options.config,
  };
  const logLines: string[] = [];
  const logger = captureLogger(logLines);
  const connector = createOktaConnector({
    config,
    token: new Secret(options.clientToken ?? TEST_TOKEN),
    logger,
    clock: clock.now,
    sleep: async () => {},
    ...options.connector,
  });
  return { server, connector, clock, config, logLines, close: () => server.close() };
}

function captureLogger(lines: string[]): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return createLogger({ level: 'debug', destination });
}
