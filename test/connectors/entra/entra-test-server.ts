import { pino } from 'pino';
import type { EntraSourceConfig } from '../../../src/config/schema.js';
import { Secret } from '../../../src/config/secret.js';
import { createEntraConnector, type EntraConnector, type EntraConnectorOptions } from '../../../src/connectors/entra/index.js';
import { startGraphServer, type GraphServerOptions, type RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { createSampleDirectory } from '../../../src/sandbox/sample-directory.js';

export const TENANT_ID = '5f0c0a5e-7e57-4e2a-9d1b-0123456789ab';
export const CLIENT_ID = 'b1a2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const CLIENT_SECRET = 'local-test-secret~with.special_chars';

/** A sample small enough to read in a few requests, large enough to page. */
export const SAMPLE = createSampleDirectory({ userCount: 60, groupCount: 6 });

/** Starts the local Graph server over the small sample. */
export function startTestServer(options: Partial<GraphServerOptions> = {}): Promise<RunningGraphServer> {
  return startGraphServer({
    directory: SAMPLE,
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    pageSize: 25,
    ...options,
  });
}

/** Builds the connector settings for `server` from the schema's defaults and `overrides`. */
export function entraConfig(server: RunningGraphServer, overrides: Partial<EntraSourceConfig> = {}): EntraSourceConfig {
  return {
    kind: 'entra',
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    authorityHost: server.authorityHost,
    graphBaseUrl: server.graphBaseUrl,
    disableInstanceDiscovery: true,
    includeGuests: false,
    nestedGroups: 'skip',
    pageSize: 999,
    maxConcurrentRequests: 4,
    maxRetries: 3,
    groups: [],
    ...overrides,
  };
}

/** Creates a connector for `server` that records its retry waits in `sleeps` instead of sleeping. */
export function connectTo(
  server: RunningGraphServer,
  overrides: Partial<EntraSourceConfig> = {},
  options: Partial<EntraConnectorOptions> = {},
): { connector: EntraConnector; sleeps: number[] } {
  const sleeps: number[] = [];
  const connector = createEntraConnector({
    config: entraConfig(server, overrides),
    clientSecret: options.certificatePath === undefined ? new Secret(CLIENT_SECRET) : undefined,
    logger: pino({ level: 'silent' }),
    trustedCaPem: server.caCertPem,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
  return { connector, sleeps };
}
