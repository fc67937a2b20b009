import { randomBytes } from 'node:crypto';
import { loadConfigFile, type Secrets } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import type { Config } from '../../src/config/schema.js';
import { createConnector, createOrganizationClient, entraGroupScope } from '../../src/cli/components.js';
import { createEntraConnector, type EntraConnector } from '../../src/connectors/entra/index.js';
import type { DirectoryConnector } from '../../src/domain/directory.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startDaemon, type Daemon } from '../../src/jobs/daemon.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { startGraphServer, type GraphServerOptions, type RunningGraphServer } from '../../src/sandbox/graph-server.js';
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
  const token = randomBytes(8).toString('hex');
  const directory = createSampleDirectory({ userCount: options.users ?? 520 });
  const { emulator, credentials } = await startSampleEmulator(base);
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
  const { client, daemon } = await startSandboxDaemon({ config, secrets, logger, connector });

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

/** Loads config/sample-entra.yaml, the Entra sandbox configuration that `demo --source entra` uses. */
export function sampleEntraConfig(): Config {
  return loadConfigFile(new URL('../../config/sample-entra.yaml', import.meta.url).pathname);
}

/** A complete Entra sandbox: the local Graph server, the emulator, and a daemon on the test Redis. */
export interface EntraSandbox {
  directory: SampleDirectory;
  graph: RunningGraphServer;
  emulator: RunningEmulator;
  config: Config;
  secrets: Secrets;
  connector: EntraConnector;
  client: OrganizationClient;
  daemon: Daemon;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Starts the Entra counterpart of `startOktaSandbox` from config/sample-entra.yaml.
 * The connector trusts the Graph server's self-signed certificate, takes its
 * tokens from the server's token endpoint with instance discovery off, and
 * retries without waiting, so a test never sleeps on backoff.
 */
export async function startEntraSandbox(
  options: {
    users?: number;
    configure?: (config: Config) => Config;
    graph?: Pick<GraphServerOptions, 'pageSize' | 'membersPerDeltaItem'>;
  } = {},
): Promise<EntraSandbox> {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const base = sampleEntraConfig();
  if (base.source.kind !== 'entra') throw new Error('config/sample-entra.yaml must use an entra source');
  const clientSecret = randomBytes(8).toString('hex');
  const directory = createSampleDirectory({ userCount: options.users ?? 520 });
  const { emulator, credentials } = await startSampleEmulator(base);
  const graph = await startGraphServer({
    directory,
    tenantId: base.source.tenantId,
    clientId: base.source.clientId,
    clientSecret,
    ...options.graph,
  });

  let config: Config = {
    ...base,
    source: { ...base.source, authorityHost: graph.authorityHost, graphBaseUrl: graph.graphBaseUrl, disableInstanceDiscovery: true, maxRetries: 1 },
    ably: { ...base.ably, scimBaseUrl: emulator.scimBaseUrl },
    redis: { url: testRedisUrl(), prefix: freshPrefix('e2e-entra') },
  };
  config = options.configure ? options.configure(config) : config;
  if (config.source.kind !== 'entra') throw new Error('configure must keep the entra source');

  const secrets: Secrets = {
    entraClientSecret: new Secret(clientSecret),
    scimUsername: new Secret(credentials.username),
    scimPassword: new Secret(credentials.password),
  };
  // createConnector cannot pass a CA, so the connector is built as the Entra demo builds it.
  const connector = createEntraConnector({
    config: { ...config.source, groups: entraGroupScope(config) },
    clientSecret: secrets.entraClientSecret,
    logger,
    trustedCaPem: graph.caCertPem,
    sleep: async () => {},
  });
  const { client, daemon } = await startSandboxDaemon({ config, secrets, logger, connector });

  return {
    directory,
    graph,
    emulator,
    config,
    secrets,
    connector,
    client,
    daemon,
    logger,
    async close() {
      await daemon.stop();
      connector.close();
      await graph.close();
      await emulator.close();
    },
  };
}

/** Starts an empty emulator of the sample organization with throwaway SCIM credentials. */
async function startSampleEmulator(base: Config): Promise<{ emulator: RunningEmulator; credentials: { username: string; password: string } }> {
  const credentials = { username: 'scim-test', password: randomBytes(8).toString('hex') };
  const emulator = await startEmulator({
    domain: base.organization.domain,
    accounts: base.organization.accounts,
    primaryAccount: base.organization.primaryAccount,
    credentials,
  });
  return { emulator, credentials };
}

/** Starts a daemon without schedules on the test Redis, with a SCIM client that has read the emulator's capabilities. */
async function startSandboxDaemon(options: {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  connector: DirectoryConnector;
}): Promise<{ client: OrganizationClient; daemon: Daemon }> {
  const client = createOrganizationClient(options.config, options.secrets, options.logger);
  await client.discover();
  const daemon = await startDaemon({ ...options, metrics: createMetrics({ collectDefault: false }), client });
  return { client, daemon };
}
