import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, type Secrets } from '../config/load.js';
import { Secret } from '../config/secret.js';
import type { Config } from '../config/schema.js';
import { createEntraConnector } from '../connectors/entra/index.js';
import { createOktaConnector } from '../connectors/okta/index.js';
import type { DirectoryConnector } from '../domain/directory.js';
import { ConfigurationError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import { startGraphServer } from '../sandbox/graph-server.js';
import { startOktaServer } from '../sandbox/okta-server.js';
import type { SampleDirectory } from '../sandbox/sample-directory.js';
import { entraGroupScope } from './components.js';

/** The identity providers the demo can serve locally. */
export const DEMO_SOURCES = ['okta', 'entra'] as const;
export type DemoSourceKind = (typeof DEMO_SOURCES)[number];

/** The sandbox configuration file of each demo source. */
export const DEMO_CONFIG_PATHS: Record<DemoSourceKind, string> = {
  okta: fileURLToPath(new URL('../../config/sample.yaml', import.meta.url)),
  entra: fileURLToPath(new URL('../../config/sample-entra.yaml', import.meta.url)),
};

/** A local identity provider serving the sample directory, with a connector aimed at it. */
export interface DemoSource {
  /** A label for the printed summary, such as "Okta". */
  label: string;
  url: string;
  /** The sandbox configuration with `source` aimed at the local server. */
  config: Config;
  /** The IdP credential the connector uses, to merge into the daemon's secrets. */
  secrets: Pick<Secrets, 'oktaToken' | 'entraClientSecret'>;
  connector: DirectoryConnector;
  close(): Promise<void>;
}

/**
 * Starts the local server of `kind` over `directory` and builds its connector.
 * The Entra connector trusts the local Graph server's self-signed certificate
 * and takes tokens from the server's own token endpoint, so no request goes
 * to a Microsoft host.
 */
export async function startDemoSource(
  kind: DemoSourceKind,
  options: { directory: SampleDirectory; base: Config; logger: Logger },
): Promise<DemoSource> {
  return kind === 'okta' ? startOktaSource(options) : startEntraSource(options);
}

/** Loads the sandbox configuration of `kind`. */
export function loadDemoConfig(kind: DemoSourceKind): Config {
  return loadConfigFile(DEMO_CONFIG_PATHS[kind]);
}

async function startOktaSource(options: { directory: SampleDirectory; base: Config; logger: Logger }): Promise<DemoSource> {
  const { base } = options;
  if (base.source.kind !== 'okta') {
    throw new ConfigurationError(`${DEMO_CONFIG_PATHS.okta} must use an okta source.`);
  }
  const token = randomBytes(16).toString('hex');
  const okta = await startOktaServer({ directory: options.directory, token });
  const source = { ...base.source, orgUrl: okta.url };
  const secrets = { oktaToken: new Secret(token) };
  const connector = createOktaConnector({ config: source, token: secrets.oktaToken, logger: options.logger.child({ component: 'connector-okta' }) });
  return { label: 'Okta', url: okta.url, config: { ...base, source }, secrets, connector, close: () => okta.close() };
}

async function startEntraSource(options: { directory: SampleDirectory; base: Config; logger: Logger }): Promise<DemoSource> {
  const { base } = options;
  if (base.source.kind !== 'entra') {
    throw new ConfigurationError(`${DEMO_CONFIG_PATHS.entra} must use an entra source.`);
  }
  const clientSecret = randomBytes(16).toString('hex');
  const graph = await startGraphServer({
    directory: options.directory,
    tenantId: base.source.tenantId,
    clientId: base.source.clientId,
    clientSecret,
  });
  const source = { ...base.source, authorityHost: graph.authorityHost, graphBaseUrl: graph.graphBaseUrl, disableInstanceDiscovery: true };
  const config: Config = { ...base, source };
  const secrets = { entraClientSecret: new Secret(clientSecret) };
  // createConnector has no way to pass the local server's CA, so the connector is built here.
  const connector = createEntraConnector({
    config: { ...source, groups: entraGroupScope(config) },
    clientSecret: secrets.entraClientSecret,
    logger: options.logger.child({ component: 'connector-entra' }),
    trustedCaPem: graph.caCertPem,
  });
  return {
    label: 'Entra ID, local Graph',
    url: graph.graphBaseUrl,
    config,
    secrets,
    connector,
    async close() {
      connector.close();
      await graph.close();
    },
  };
}
