import { createScimClient } from '../ably/index.js';
import type { OrganizationClient } from '../ably/organization-client.js';
import type { Secrets } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createEntraConnector } from '../connectors/entra/index.js';
import { createFileConnector } from '../connectors/file/connector.js';
import { createOktaConnector } from '../connectors/okta/index.js';
import type { DirectoryConnector } from '../domain/directory.js';
import { ConfigurationError } from '../errors/index.js';
import type { Logger } from '../logging.js';

/** Builds the connector the configuration names. */
export function createConnector(config: Config, secrets: Secrets, logger: Logger): DirectoryConnector {
  const source = config.source;
  const connectorLogger = logger.child({ component: `connector-${source.kind}` });
  switch (source.kind) {
    case 'okta':
      if (!secrets.oktaToken) {
        throw new ConfigurationError(`Missing secret: set ${source.tokenEnv} to the Okta API token.`);
      }
      return createOktaConnector({ config: source, token: secrets.oktaToken, logger: connectorLogger });
    case 'entra':
      return createEntraConnector({
        config: { ...source, groups: entraGroupScope(config) },
        clientSecret: secrets.entraClientSecret,
        certificatePath: secrets.entraCertificatePath,
        logger: connectorLogger,
      });
    case 'file':
      return createFileConnector(source.path);
  }
}

/** Builds the SCIM client for the Ably organization. */
export function createOrganizationClient(config: Config, secrets: Secrets, logger: Logger): OrganizationClient {
  return createScimClient({
    baseUrl: config.ably.scimBaseUrl,
    username: secrets.scimUsername,
    password: secrets.scimPassword,
    roleExtensionUrn: config.ably.roleExtensionUrn,
    requestsPerSecond: config.ably.requestsPerSecond,
    maxRetries: config.ably.maxRetries,
    requestTimeoutMs: config.ably.requestTimeoutMs,
    logger: logger.child({ component: 'scim-client' }),
  });
}

/**
 * Returns the groups the Entra connector reads. An empty `source.groups`
 * means the groups the mapping names, so a large tenant's other groups are
 * never paged through. A mapping with a pattern needs every group (`[]`).
 */
export function entraGroupScope(config: Config): string[] {
  if (config.source.kind !== 'entra' || config.source.groups.length > 0) {
    return config.source.kind === 'entra' ? config.source.groups : [];
  }
  const selectors = config.mapping.groups.map((entry) => entry.idpGroup);
  if (selectors.some((selector) => selector.pattern !== undefined)) {
    return [];
  }
  return selectors.map((selector) => selector.id ?? selector.name ?? '').filter((value) => value !== '');
}
