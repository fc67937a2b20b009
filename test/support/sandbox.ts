import { randomBytes } from 'node:crypto';
import { loadConfigFile, type Secrets } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import type { Config } from '../../src/config/schema.js';
import { createConnector, createOrganizationClient } from '../../src/cli/components.js';
import type { DirectoryConnector } from '../../src/domain/directory.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startDaemon, type Daemon } from '../../src/jobs/daemon.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { startOktaServer, type OktaServer } from '../../src/sandbox/okta-server.js';
import { createSampleDirectory, type SampleDirectory } from '../../src/sandbox/sample-directory.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { OrganizationClient } from '../../src/ably/organization-client.js';
import { freshPrefix, testRedisUrl } from './redis.js';

/** Loads the sample configuration, as the demo uses it. */
export function sampleConfig(): Config {
  return loadConfigFile(new URL('../../config/sample.yaml', import.meta.url).pathname);
}

/** A complete sandbox: the local Okta server, the emulator, and a daemon on the test Redis. */
export interface OktaSandbox {
  directory: SampleDirectory;
  okta: OktaServer;
  emulator: RunningEmulator;
  config: Config;
  secrets: Secrets;
  connector: DirectoryConnector;
  client: OrganizationClient;
  daemon: Daemon;
  logger: Logger;
  close(): Promise<void>;
}

export async function startOktaSandbox(options: { users?: number; configure?: (config: Config) => Config } = {}): Promise<OktaSandbox> {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const base = sampleConfig();
  const credentials = { username: 'scim-test', password: randomBytes(8).toString('hex') };
  const token = randomBytes(8).toString('hex');
  const directory = createSampleDirectory({ userCount: options.users ?? 520 });

  const emulator = await startEmulator({
    domain: base.organization.domain,
    accounts: base.organization.accounts,
    primaryAccount: base.organization.primaryAccount,
    credentials,
  });
  const okta = await startOktaServer({ directory, token });

  if (base.source.kind !== 'okta') throw new Error('config/sample.yaml must use an okta source');
  let config: Config = {
    ...base,
    source: { ...base.source, orgUrl: okta.url, maxRetries: 1 },
    ably: { ...base.ably, scimBaseUrl: emulator.scimBaseUrl },
    redis: { url: testRedisUrl(), prefix: freshPrefix('e2e') },
  };
  config = options.configure ? options.configure(config) : config;

  const secrets: Secrets = {
    oktaToken: new Secret(token),
    scimUsername: new Secret(credentials.username),
    scimPassword: new Secret(credentials.password),
  };
  const connector = createConnector(config, secrets, logger);
  const client = createOrganizationClient(config, secrets, logger);
  await client.discover();
  const daemon = await startDaemon({ config, secrets, logger, metrics: createMetrics({ collectDefault: false }), connector, client });

  return {
    directory,
    okta,
    emulator,
    config,
    secrets,
    connector,
    client,
    daemon,
    logger,
    async close() {
      await daemon.stop();
      await okta.close();
      await emulator.close();
    },
  };
}
