import type { Secret } from '../config/secret.js';
import type { DesiredUser } from '../domain/operations.js';
import type {
  AccountAccess,
  OrganizationGroup,
  OrganizationSnapshot,
  OrganizationUser,
  ProviderCapabilities,
} from '../domain/organization.js';
import { FatalError, InvalidObjectError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import { discoverProvider, type DiscoveredProvider } from './discovery.js';
import { anyOfFilter, equalityFilter, memberValuePath } from './filter.js';
import { ScimHttp, type RequestStats } from './http.js';
import type { OrganizationClient } from './organization-client.js';
import { listAllResources } from './paging.js';
import { sendPatchBatches, type PatchLimit, type PatchOperation } from './patch-sender.js';
import { realDelay, type Clock, type Delay } from './rate-limiter.js';
import {
  asObject,
  asResource,
  mergeUser,
  readMemberEntries,
  readSchemas,
  readVersion,
  union,
  userReplaceOperations,
  withoutMeta,
  type ScimResource,
} from './resource-changes.js';
import { PreconditionFailedError } from './response-errors.js';
import {
  SCHEMA,
  parseGroup,
  parseMemberIds,
  parseUser,
  readRawMembers,
  toScimAccounts,
  toScimUser,
  type ResponseOrigin,
} from './wire.js';

/** The page size asked for when the provider advertises no smaller `filter.maxResults`. */
export const DEFAULT_PAGE_SIZE = 100;
/** The maximum `Retry-After` waited for in process; see `ScimHttpOptions.maxRetryAfterMs`. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** How often a GET+PUT update is read and written again after a `412` ETag mismatch. */
const MAX_PRECONDITION_ATTEMPTS = 3;

/** Settings of `createScimClient`. */
export interface ScimClientOptions {
  /** The Service Provider Configuration Endpoint without `/ServiceProviderConfig`. */
  baseUrl: string;
  username: Secret;
  password: Secret;
  /** The Group extension URN that carries `accounts`. */
  roleExtensionUrn: string;
  /** The maximum number of requests started in any one-second window. */
  requestsPerSecond: number;
  /** Retries after the first attempt for `429`, `5xx`, network failures and timeouts. */
  maxRetries: number;
  /** Timeout of one request, body included, in milliseconds. */
  requestTimeoutMs: number;
  /** Used as given, so callers pass a child logger that names the component. */
  logger: Logger;
  /** The page size to ask for; lowered to the provider's `filter.maxResults`. Default 100. */
  pageSize?: number;
  /** Default 60,000 ms; see `ScimHttpOptions.maxRetryAfterMs`. */
  maxRetryAfterMs?: number;
  /** Waits between retries and for the rate limit; tests inject one that does not sleep. */
  delay?: Delay;
  /** Jitter source in [0, 1); default `Math.random`. */
  random?: () => number;
  /** Clock of the rate limiter and of `Retry-After` dates; default `Date.now`. */
  now?: Clock;
}

/** The SCIM client, with its transport counters. */
export type ScimClient = OrganizationClient & {
  /** Counters of the HTTP transport, plus the current PATCH cap. */
  requestStats(): RequestStats & { maxPatchOperations: number | undefined };
};

/** Creates the SCIM 2.0 client of the Ably organization. Discovery runs on first use. */
export function createScimClient(options: ScimClientOptions): ScimClient {
  return new ScimOrganizationClient(options);
}

/**
 * The `OrganizationClient` over SCIM 2.0.
 *
 * Each method discovers the provider first (once, cached) and adapts to it.
 * Updates use PATCH when `patch.supported`, and otherwise GET then PUT, with
 * `If-Match` when ETags are supported. Lookups send a `filter` when
 * `filter.supported`, and otherwise list everything and match in the client.
 */
class ScimOrganizationClient implements OrganizationClient {
  readonly #http: ScimHttp;
  readonly #logger: Logger;
  readonly #roleExtensionUrn: string;
  readonly #pageSize: number;
  #discovery: Promise<DiscoveredProvider> | undefined;
  #capabilities: ProviderCapabilities | undefined;

  constructor(options: ScimClientOptions) {
    this.#logger = options.logger;
    this.#roleExtensionUrn = options.roleExtensionUrn;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.#http = new ScimHttp({
      baseUrl: toBaseUrl(options.baseUrl),
      username: options.username,
      password: options.password,
      requestsPerSecond: options.requestsPerSecond,
      maxRetries: options.maxRetries,
      requestTimeoutMs: options.requestTimeoutMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      logger: this.#logger,
      delay: options.delay ?? realDelay,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    });
  }

  requestStats(): RequestStats & { maxPatchOperations: number | undefined } {
    return { ...this.#http.stats(), maxPatchOperations: this.#capabilities?.maxPatchOperations };
  }

  async discover(): Promise<ProviderCapabilities> {
    return { ...(await this.#provider()).capabilities };
  }

  async readOrganization(): Promise<OrganizationSnapshot> {
    const readAt = new Date().toISOString();
    const provider = await this.#provider();
    const pageSize = provider.capabilities.maxResults;

    const userResources = await listAllResources(this.#http, { path: provider.usersPath, pageSize });
    const users = userResources.map((resource) => parseUser(resource, { method: 'GET', path: provider.usersPath }));

    const groupResources = await listAllResources(this.#http, { path: provider.groupsPath, pageSize });
    const groups: OrganizationGroup[] = [];
    for (const resource of groupResources) {
      groups.push(await this.#groupWithConfirmedMembers(resource, { method: 'GET', path: provider.groupsPath }));
    }

    this.#logger.info({ users: users.length, groups: groups.length }, 'SCIM organization read');
    return { users, groups, capabilities: { ...provider.capabilities }, readAt };
  }

  async findUsersByExternalIds(externalIds: readonly string[]): Promise<Map<string, OrganizationUser>> {
    const provider = await this.#provider();
    const wanted = new Set(externalIds);
    const found = new Map<string, OrganizationUser>();
    const unique = [...wanted];
    // Without filter support each search lists every user, so one list serves all ids.
    const batches = provider.capabilities.filter ? chunk(unique, EXTERNAL_IDS_PER_FILTER) : unique.length > 0 ? [unique] : [];
    for (const batch of batches) {
      const resources = await this.#search(provider.usersPath, anyOfFilter('externalId', batch));
      for (const resource of resources) {
        const user = parseUser(resource, { method: 'GET', path: provider.usersPath });
        if (user.externalId !== undefined && wanted.has(user.externalId)) {
          found.set(user.externalId, user);
        }
      }
    }
    return found;
  }

  async findUserByExternalId(externalId: string): Promise<OrganizationUser | undefined> {
    const provider = await this.#provider();
    const resources = await this.#search(provider.usersPath, equalityFilter('externalId', externalId));
    const users = resources.map((resource) => parseUser(resource, { method: 'GET', path: provider.usersPath }));
    // externalId is case-exact (RFC 7643 section 3.1). Matching again in the
    // client also guards against a provider that ignores the filter.
    return users.find((user) => user.externalId === externalId);
  }

  async findUserByUserName(userName: string): Promise<OrganizationUser | undefined> {
    const provider = await this.#provider();
    const resources = await this.#search(provider.usersPath, equalityFilter('userName', userName));
    const users = resources.map((resource) => parseUser(resource, { method: 'GET', path: provider.usersPath }));
    const wanted = userName.toLowerCase();
    return users.find((user) => user.userName.toLowerCase() === wanted);
  }

  async getUser(id: string): Promise<OrganizationUser> {
    const path = await this.#userPath(id);
    const response = await this.#http.request({ method: 'GET', path });
    return parseUser(response.body, { method: 'GET', path, status: response.status });
  }

  async createUser(user: DesiredUser): Promise<OrganizationUser> {
    const { usersPath } = await this.#provider();
    const response = await this.#http.request({ method: 'POST', path: usersPath, body: toScimUser(user) });
    const created = parseUser(response.body, { method: 'POST', path: usersPath, status: response.status });
    this.#logger.info({ id: created.id, externalId: user.externalId }, 'SCIM user created');
    return created;
  }

  async updateUser(id: string, user: DesiredUser): Promise<OrganizationUser> {
    const path = await this.#userPath(id);
    const capabilities = await this.discover();
    // A provider may respond to either write with 204 and no body; the user is then read again.
    if (capabilities.patch) {
      const body = await this.#patch(path, userReplaceOperations(user));
      return body === undefined ? this.getUser(id) : parseUser(body, { method: 'PATCH', path });
    }
    const body = await this.#replace(path, (resource) => mergeUser(resource, user));
    return body === undefined ? this.getUser(id) : parseUser(body, { method: 'PUT', path });
  }

  async setUserActive(id: string, active: boolean): Promise<void> {
    const path = await this.#userPath(id);
    const capabilities = await this.discover();
    if (capabilities.patch) {
      await this.#patch(path, [{ op: 'replace', path: 'active', value: active }]);
      return;
    }
    await this.#replace(path, (resource) => ({ ...resource, active }));
  }

  async deleteUser(id: string): Promise<void> {
    const path = await this.#userPath(id);
    await this.#http.request({ method: 'DELETE', path });
    this.#logger.info({ id }, 'SCIM user deleted');
  }

  async findGroupByExternalId(externalId: string): Promise<OrganizationGroup | undefined> {
    const groups = await this.#searchGroups(equalityFilter('externalId', externalId));
    return groups.find((group) => group.externalId === externalId);
  }

  async findGroupByDisplayName(displayName: string): Promise<OrganizationGroup | undefined> {
    const groups = await this.#searchGroups(equalityFilter('displayName', displayName));
    // Group displayName is not case-exact (RFC 7643 section 8.7.1); an exact match wins.
    const wanted = displayName.toLowerCase();
    return (
      groups.find((group) => group.displayName === displayName) ??
      groups.find((group) => group.displayName.toLowerCase() === wanted)
    );
  }

  async getGroup(id: string): Promise<OrganizationGroup> {
    const { groupsPath } = await this.#provider();
    const path = groupPath(groupsPath, id);
    const response = await this.#http.request({ method: 'GET', path });
    return this.#groupWithConfirmedMembers(response.body, { method: 'GET', path, status: response.status });
  }

  async createGroup(group: { externalId: string; displayName: string }): Promise<OrganizationGroup> {
    const { groupsPath } = await this.#provider();
    const body = { schemas: [SCHEMA.group], displayName: group.displayName, externalId: group.externalId };
    const response = await this.#http.request({ method: 'POST', path: groupsPath, body });
    const created = parseGroup(response.body, this.#roleExtensionUrn, { method: 'POST', path: groupsPath, status: response.status });
    this.#logger.info({ id: created.id, externalId: group.externalId }, 'SCIM group created');
    return created;
  }

  async updateGroup(id: string, group: { externalId: string; displayName: string }): Promise<void> {
    const path = groupPath((await this.#provider()).groupsPath, id);
    const capabilities = await this.discover();
    if (capabilities.patch) {
      await this.#patch(path, [
        { op: 'replace', path: 'displayName', value: group.displayName },
        { op: 'replace', path: 'externalId', value: group.externalId },
      ]);
      return;
    }
    await this.#replace(path, (resource) => ({ ...resource, displayName: group.displayName, externalId: group.externalId }));
  }

  async deleteGroup(id: string): Promise<void> {
    const path = groupPath((await this.#provider()).groupsPath, id);
    await this.#http.request({ method: 'DELETE', path });
    this.#logger.info({ id }, 'SCIM group deleted');
  }

  async listGroupMemberIds(id: string): Promise<string[]> {
    return (await this.getGroup(id)).memberIds;
  }

  async addGroupMembers(id: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) {
      return;
    }
    const path = groupPath((await this.#provider()).groupsPath, id);
    const capabilities = await this.discover();
    if (!capabilities.patch) {
      await this.#replace(path, (resource) => {
        const members = readMemberEntries(resource, path);
        const present = new Set(members.map((member) => member.value));
        const added = userIds.filter((userId) => !present.has(userId)).map((value) => ({ value }));
        return { ...resource, members: [...members, ...added] };
      });
      return;
    }
    // One `add` per request carrying the whole batch of values, so the cap
    // applies to the values whichever of the two the provider counts.
    await this.#patchInBatches(path, userIds, (batch) => [
      { op: 'add', path: 'members', value: batch.map((userId) => ({ value: userId })) },
    ]);
  }

  async removeGroupMembers(id: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) {
      return;
    }
    const path = groupPath((await this.#provider()).groupsPath, id);
    const capabilities = await this.discover();
    if (!capabilities.patch) {
      const removed = new Set(userIds);
      await this.#replace(path, (resource) =>
        ({ ...resource, members: readMemberEntries(resource, path).filter((member) => !removed.has(member.value)) }),
      );
      return;
    }
    // A bare `members` path would remove every member (RFC 7644 section
    // 3.5.2.2), so each removal names its member with a value filter.
    const toOperations = (batch: string[]): PatchOperation[] =>
      batch.map((userId) => ({ op: 'remove', path: memberValuePath(userId) }));
    try {
      await this.#patchInBatches(path, userIds, toOperations);
    } catch (error) {
      // Some providers reject a value filter that matches no member with
      // `noTarget`, which fails the whole request. The members are read
      // again and only those still present are removed.
      if (!(error instanceof InvalidObjectError && error.scimType === 'noTarget')) {
        throw error;
      }
      const present = new Set(await this.listGroupMemberIds(id));
      const remaining = userIds.filter((userId) => present.has(userId));
      this.#logger.info({ id, requested: userIds.length, remaining: remaining.length }, 'SCIM member removal retried without absent members');
      if (remaining.length > 0) {
        await this.#patchInBatches(path, remaining, toOperations);
      }
    }
  }

  async setGroupAccountAccess(id: string, access: AccountAccess[]): Promise<void> {
    const path = groupPath((await this.#provider()).groupsPath, id);
    const capabilities = await this.discover();
    if (!capabilities.hasRoleExtension) {
      throw new FatalError(
        `The SCIM provider does not list the role extension ${this.#roleExtensionUrn} in /Schemas, so account access cannot be written. Set the roles in the Ably dashboard, or correct ably.roleExtensionUrn.`,
      );
    }
    const accounts = toScimAccounts(access);
    if (capabilities.patch) {
      await this.#patch(path, [{ op: 'replace', path: `${this.#roleExtensionUrn}:accounts`, value: accounts }]);
      return;
    }
    await this.#replace(path, (resource) => ({
      ...resource,
      schemas: union(readSchemas(resource), [this.#roleExtensionUrn]),
      [this.#roleExtensionUrn]: { ...asObject(resource[this.#roleExtensionUrn]), accounts },
    }));
  }

  #provider(): Promise<DiscoveredProvider> {
    if (this.#discovery === undefined) {
      this.#discovery = discoverProvider({
        http: this.#http,
        logger: this.#logger,
        roleExtensionUrn: this.#roleExtensionUrn,
        pageSize: this.#pageSize,
      }).then(
        (provider) => {
          this.#capabilities = provider.capabilities;
          return provider;
        },
        (error: unknown) => {
          // A failed discovery is not cached, so the next call tries again.
          this.#discovery = undefined;
          throw error;
        },
      );
    }
    return this.#discovery;
  }

  async #userPath(id: string): Promise<string> {
    return `${(await this.#provider()).usersPath}/${encodeURIComponent(id)}`;
  }

  /** Lists the resources matching `filter`, or every resource when the provider cannot filter. */
  async #search(path: string, filter: string): Promise<unknown[]> {
    const { capabilities } = await this.#provider();
    const pageSize = capabilities.maxResults;
    return listAllResources(this.#http, capabilities.filter ? { path, pageSize, filter } : { path, pageSize });
  }

  async #searchGroups(filter: string): Promise<OrganizationGroup[]> {
    const { groupsPath } = await this.#provider();
    const resources = await this.#search(groupsPath, filter);
    const groups: OrganizationGroup[] = [];
    for (const resource of resources) {
      groups.push(await this.#groupWithConfirmedMembers(resource, { method: 'GET', path: groupsPath }));
    }
    return groups;
  }

  /**
   * Parses a Group and confirms an absent or empty `members` array with
   * `GET /Groups/{id}?attributes=members`, whose result is final. Some
   * providers leave members out of lists and plain GETs, and taking that
   * at face value would plan the removal of every member.
   */
  async #groupWithConfirmedMembers(resource: unknown, origin: ResponseOrigin): Promise<OrganizationGroup> {
    const group = parseGroup(resource, this.#roleExtensionUrn, origin);
    const rawMembers = readRawMembers(resource);
    if (Array.isArray(rawMembers) && rawMembers.length > 0) {
      return group;
    }
    const path = groupPath((await this.#provider()).groupsPath, group.id);
    const response = await this.#http.request({ method: 'GET', path, query: { attributes: 'members' } });
    return { ...group, memberIds: parseMemberIds(readRawMembers(response.body), { method: 'GET', path, status: response.status }) };
  }

  async #patch(path: string, operations: PatchOperation[]): Promise<unknown> {
    return this.#patchInBatches(path, operations, (batch) => batch);
  }

  async #patchInBatches<T>(path: string, items: T[], toOperations: (batch: T[]) => PatchOperation[]): Promise<unknown> {
    await this.#provider();
    return sendPatchBatches({ http: this.#http, logger: this.#logger, path, items, toOperations, limit: this.#patchLimit() });
  }

  #patchLimit(): PatchLimit {
    return {
      get: () => this.#capabilities?.maxPatchOperations ?? 1,
      lower: (to) => {
        if (this.#capabilities && to < this.#capabilities.maxPatchOperations) {
          this.#capabilities.maxPatchOperations = to;
        }
      },
    };
  }

  /**
   * Updates a resource without PATCH: reads it, applies `change`, and writes it
   * back with PUT. With ETags the PUT carries `If-Match`, and a `412` (someone
   * else wrote in between) restarts the read, up to three attempts in all.
   * Returns the body of the PUT response.
   */
  async #replace(path: string, change: (resource: ScimResource) => ScimResource): Promise<unknown> {
    const { capabilities } = await this.#provider();
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.#http.request({ method: 'GET', path });
      const resource = asResource(current.body, path);
      const version = current.etag ?? readVersion(resource);
      const body = withoutMeta(change(resource));
      // NOTE: without ETag support a write by another client between this GET
      // and the PUT is overwritten, because the PUT cannot carry If-Match.
      const ifMatch = capabilities.etag && version !== undefined ? { ifMatch: version } : {};
      try {
        return (await this.#http.request({ method: 'PUT', path, body, ...ifMatch })).body;
      } catch (error) {
        const isStale = error instanceof PreconditionFailedError && 'ifMatch' in ifMatch;
        if (!isStale || attempt >= MAX_PRECONDITION_ATTEMPTS) {
          throw error;
        }
        this.#logger.warn({ path, attempt }, 'SCIM resource changed during update, reading again');
      }
    }
  }
}

/**
 * Removes a trailing `/ServiceProviderConfig` and slashes, because the Ably
 * dashboard shows the full Service Provider Configuration Endpoint and an
 * operator may paste it unchanged.
 */
function toBaseUrl(configured: string): string {
  return configured.replace(/\/+$/, '').replace(/\/ServiceProviderConfig$/i, '');
}

function groupPath(groupsPath: string, id: string): string {
  return `${groupsPath}/${encodeURIComponent(id)}`;
}

/**
 * Ids per `or` filter in a batch lookup. Fifty keeps the query string near
 * 3 KB (an Okta or Entra id is 20 to 36 characters), well under the 8 KB
 * request-line limit common to HTTP servers.
 */
const EXTERNAL_IDS_PER_FILTER = 50;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
