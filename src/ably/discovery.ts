import type { ProviderCapabilities } from '../domain/organization.js';
import { FatalError, NotFoundError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import type { ScimHttp } from './http.js';

/**
 * The default cap on operations in one PATCH request. SCIM has no standard
 * field that advertises it, so the client starts here and lowers the cap when
 * the provider responds with `400` and `scimType: tooMany`.
 */
export const DEFAULT_MAX_PATCH_OPERATIONS = 100;

/** The provider's capabilities and resource endpoints, as discovery found them. */
export interface DiscoveredProvider {
  capabilities: ProviderCapabilities;
  /** The endpoint of the User resource type, `/Users` unless `/ResourceTypes` lists another. */
  usersPath: string;
  /** The endpoint of the Group resource type, `/Groups` unless `/ResourceTypes` lists another. */
  groupsPath: string;
}

/**
 * Reads `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` and derives
 * what the client may use.
 *
 * `/ServiceProviderConfig` is required. A `404` on `/ResourceTypes` keeps the
 * standard endpoints, and a `404` on `/Schemas` leaves the role extension
 * unconfirmed, so role assignment becomes report-only. Both cases are logged.
 */
export async function discoverProvider(options: {
  http: ScimHttp;
  logger: Logger;
  roleExtensionUrn: string;
  pageSize: number;
}): Promise<DiscoveredProvider> {
  const { http, logger, roleExtensionUrn } = options;
  const config = asRecord((await http.request({ method: 'GET', path: '/ServiceProviderConfig' })).body);
  if (!isServiceProviderConfig(config)) {
    throw new FatalError(
      'GET /ServiceProviderConfig returned JSON that is not a SCIM ServiceProviderConfig. Check that the SCIM base URL is the Service Provider Configuration Endpoint from the Ably dashboard without the trailing /ServiceProviderConfig.',
    );
  }

  const patch = readSupported(config.patch);
  const filter = readSupported(config.filter);
  const etag = readSupported(config.etag);
  const bulk = readSupported(config.bulk);
  const advertisedMaxResults = readPositiveInteger(asRecord(config.filter).maxResults);

  const endpoints = await readEndpoints(http, logger);
  const schemaIds = await readSchemaIds(http, logger);
  const hasRoleExtension = schemaIds.has(roleExtensionUrn.toLowerCase());
  if (!hasRoleExtension) {
    logger.warn({ roleExtensionUrn }, 'SCIM provider does not list the role extension, role assignment is report-only');
  }

  const capabilities: ProviderCapabilities = {
    patch,
    filter,
    maxResults: advertisedMaxResults === undefined ? options.pageSize : Math.min(options.pageSize, advertisedMaxResults),
    etag,
    bulk,
    hasRoleExtension,
    maxPatchOperations: DEFAULT_MAX_PATCH_OPERATIONS,
  };
  logger.info({ capabilities, ...endpoints }, 'SCIM provider discovered');
  return { capabilities, ...endpoints };
}

async function readEndpoints(http: ScimHttp, logger: Logger): Promise<{ usersPath: string; groupsPath: string }> {
  const endpoints = { usersPath: '/Users', groupsPath: '/Groups' };
  let body: unknown;
  try {
    body = (await http.request({ method: 'GET', path: '/ResourceTypes' })).body;
  } catch (error) {
    if (error instanceof NotFoundError) {
      logger.warn('SCIM provider has no /ResourceTypes, using /Users and /Groups');
      return endpoints;
    }
    throw error;
  }
  for (const resourceType of listResources(body)) {
    const record = asRecord(resourceType);
    const endpoint = typeof record.endpoint === 'string' ? normalizeEndpoint(record.endpoint) : undefined;
    if (endpoint === undefined) {
      continue;
    }
    if (record.schema === 'urn:ietf:params:scim:schemas:core:2.0:User' || record.name === 'User') {
      endpoints.usersPath = endpoint;
    }
    if (record.schema === 'urn:ietf:params:scim:schemas:core:2.0:Group' || record.name === 'Group') {
      endpoints.groupsPath = endpoint;
    }
  }
  return endpoints;
}

/** Returns the lower-cased `id`s of `/Schemas`, so that a provider that spells the URN in another case still matches. */
async function readSchemaIds(http: ScimHttp, logger: Logger): Promise<Set<string>> {
  let body: unknown;
  try {
    body = (await http.request({ method: 'GET', path: '/Schemas' })).body;
  } catch (error) {
    if (error instanceof NotFoundError) {
      logger.warn('SCIM provider has no /Schemas');
      return new Set();
    }
    throw error;
  }
  const ids = listResources(body)
    .map((schema) => asRecord(schema).id)
    .filter((id): id is string => typeof id === 'string');
  return new Set(ids.map((id) => id.toLowerCase()));
}

/** Returns the items of a ListResponse, or of a bare array, which some providers send for these endpoints. */
function listResources(body: unknown): unknown[] {
  if (Array.isArray(body)) {
    return body;
  }
  const resources = asRecord(body).Resources;
  return Array.isArray(resources) ? resources : [];
}

/** Keeps relative endpoints such as `/Users` and reduces absolute URLs to their last path segment. */
function normalizeEndpoint(endpoint: string): string | undefined {
  const segment = endpoint.split('/').filter((part) => part !== '').pop();
  return segment === undefined ? undefined : `/${segment}`;
}

function isServiceProviderConfig(config: Record<string, unknown>): boolean {
  const schemas = config.schemas;
  const listsSchema = Array.isArray(schemas) && schemas.includes('urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig');
  return listsSchema || (typeof config.patch === 'object' && typeof config.filter === 'object');
}

function readSupported(value: unknown): boolean {
  const supported = asRecord(value).supported;
  return supported === true || (typeof supported === 'string' && supported.toLowerCase() === 'true');
}

function readPositiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
