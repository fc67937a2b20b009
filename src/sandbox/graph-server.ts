import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GraphDirectory,
  type DeltaItem,
  type GraphGroup,
  type GraphMemberReference,
  type GraphUser,
} from './graph-directory.js';
import { matchesUserFilter, UnsupportedFilterError } from './graph-filter.js';
import { createSelfSignedCertificate } from './graph-tls.js';
import { openIdConfiguration, TokenIssuer } from './graph-token.js';
import type { SampleDirectory } from './sample-directory.js';

/**
 * A local stand-in for Microsoft Graph v1.0 and the Microsoft identity
 * platform's token endpoint, served over HTTPS on 127.0.0.1 with a fresh
 * self-signed certificate. It serves the requests the Entra connector makes,
 * with responses shaped like Graph: `@odata.context`, `@odata.nextLink` with an encoded
 * `$skiptoken`, `@odata.deltaLink`, `@removed`, `members@delta` split over
 * pages, `429` with `Retry-After`, and `400` for a `$top` above its limit.
 * Clients trust it through `caCertPem`, which the Entra connector takes as
 * `trustedCaPem`.
 */

export interface GraphServerOptions {
  directory: SampleDirectory;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Also accept client assertions signed with this certificate's key. */
  clientCertificatePem?: string;
  /** 0 or absent picks a free port. */
  port?: number;
  /** The maximum items per page, whatever `$top` requests. Graph's default page size is 100. */
  pageSize?: number;
  /** The maximum members of one group in one `members@delta` item. */
  membersPerDeltaItem?: number;
}

/** Faults a test switches on; the server reads them on every request. */
export interface GraphServerFaults {
  /** The largest `$top` accepted. A larger one gets `400`. */
  maxTop: number;
  /** The next `remaining` Graph requests fail with `status`, with `Retry-After` when `retryAfterSeconds` is set. */
  throttle: { remaining: number; status: 429 | 503; retryAfterSeconds?: number };
  /** Page sizes of every paged response follow this cycle instead of the page size, for example `[3, 0, 1]`. */
  pageSizeCycle: number[] | undefined;
  /** Requests whose path contains `pathIncludes` fail with `status`, `remaining` times. */
  failures: Array<{ pathIncludes: string; status: number; remaining: number }>;
  /** Every Graph request gets `403 Authorization_RequestDenied`. */
  isForbidden: boolean;
  /** The delay before each Graph response, so concurrent requests overlap. 0 responds at once. */
  responseDelayMs: number;
}

/** Requests the server received, for assertions. */
export interface GraphServerCounts {
  tokenRequests: number;
  metadataRequests: number;
  graphRequests: number;
  /** Path and query of every Graph request, as received. */
  graphRequestLog: string[];
  /** Requests to paths the server does not serve. */
  unknownRequests: string[];
  /** The most Graph requests that were in progress at the same time. */
  maxConcurrentGraphRequests: number;
}

/** Changes a test makes to the tenant between reads; each one shows in the next delta round. */
export interface GraphServerMutations {
  updateUser(id: string, patch: Partial<Omit<GraphUser, 'id'>>): void;
  addUser(user: GraphUser, groupIds?: string[]): void;
  removeMember(groupId: string, memberId: string): void;
  addMember(groupId: string, member: GraphMemberReference): void;
  disableUser(id: string): void;
  /** Soft delete by default (`@removed.reason: changed`), `permanent` for `deleted`. */
  deleteUser(id: string, options?: { permanent?: boolean }): void;
  updateGroup(id: string, patch: Partial<Omit<GraphGroup, 'id'>>): void;
  deleteGroup(id: string): void;
  /** Expires every delta token issued so far, so requests with them get `410 Gone`. */
  expireDeltaTokens(): void;
}

export interface RunningGraphServer {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** `url` + `/v1.0` */
  graphBaseUrl: string;
  /** The authority host for `@azure/identity`; same as `url`. */
  authorityHost: string;
  /** The self-signed certificate the server presents; trust it to connect. */
  caCertPem: string;
  counts: GraphServerCounts;
  faults: GraphServerFaults;
  mutations: GraphServerMutations;
  /** The tenant state, for tests that need ids or the current objects. */
  tenant: GraphDirectory;
  close(): Promise<void>;
}

interface PagingSession {
  path: string;
  items: DeltaItem[];
  offset: number;
  pageIndex: number;
  pageSize: number;
  context: string;
  /** For delta rounds: the version the final page's `@odata.deltaLink` records. */
  deltaVersion: number | undefined;
}

const DEFAULT_PAGE_SIZE = 100;
const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Starts the server; call `close()` when done. */
export async function startGraphServer(options: GraphServerOptions): Promise<RunningGraphServer> {
  const certificate = await createSelfSignedCertificate({ commonName: '127.0.0.1', ipAddress: '127.0.0.1' });
  const tenant = new GraphDirectory(options.directory);
  const tokens = new TokenIssuer(options);
  const sessions = new Map<string, PagingSession>();
  let deltaGeneration = 1;

  const counts: GraphServerCounts = { tokenRequests: 0, metadataRequests: 0, graphRequests: 0, graphRequestLog: [], unknownRequests: [], maxConcurrentGraphRequests: 0 };
  const faults: GraphServerFaults = {
    maxTop: 999,
    throttle: { remaining: 0, status: 429 },
    pageSizeCycle: undefined,
    failures: [],
    isForbidden: false,
    responseDelayMs: 0,
  };
  let graphRequestsInProgress = 0;

  let baseUrl = '';
  const context = (): RequestContext => ({
    baseUrl,
    graphBaseUrl: `${baseUrl}/v1.0`,
    tenant,
    sessions,
    faults,
    deltaGeneration,
    pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
    membersPerDeltaItem: options.membersPerDeltaItem ?? 20,
  });

  const server: Server = createServer({ cert: certificate.certificatePem, key: certificate.privateKeyPem }, (request, response) => {
    void handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, graphError('generalException', error instanceof Error ? error.message : 'Internal error'));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', baseUrl);
    const tokenMatch = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (request.method === 'POST' && tokenMatch?.[1] !== undefined) {
      counts.tokenRequests += 1;
      const reply = tokens.issue(tokenMatch[1], new URLSearchParams(await readBody(request)));
      sendJson(response, reply.status, reply.body);
      return;
    }
    const metadataMatch = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (request.method === 'GET' && metadataMatch?.[1] === options.tenantId) {
      counts.metadataRequests += 1;
      sendJson(response, 200, openIdConfiguration(baseUrl, options.tenantId));
      return;
    }
    if (url.pathname.startsWith('/v1.0/')) {
      counts.graphRequests += 1;
      counts.graphRequestLog.push(`${url.pathname}${url.search}`);
      if (!tokens.isValidAuthorization(request.headers.authorization)) {
        sendJson(response, 401, graphError('InvalidAuthenticationToken', 'Access token is empty or invalid.'));
        return;
      }
      graphRequestsInProgress += 1;
      counts.maxConcurrentGraphRequests = Math.max(counts.maxConcurrentGraphRequests, graphRequestsInProgress);
      try {
        if (faults.responseDelayMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, faults.responseDelayMs));
        }
        respondToGraphRequest(context(), request, url, response);
      } finally {
        graphRequestsInProgress -= 1;
      }
      return;
    }
    counts.unknownRequests.push(`${request.method ?? 'GET'} ${url.pathname}${url.search}`);
    sendJson(response, 404, graphError('Request_ResourceNotFound', `No route for ${url.pathname}.`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `https://127.0.0.1:${port}`;

  const mutations: GraphServerMutations = {
    updateUser: (id, patch) => tenant.updateUser(id, patch),
    addUser: (user, groupIds) => tenant.addUser(user, groupIds),
    removeMember: (groupId, memberId) => tenant.removeMember(groupId, memberId),
    addMember: (groupId, member) => tenant.addMember(groupId, member),
    disableUser: (id) => tenant.disableUser(id),
    deleteUser: (id, deleteOptions) => tenant.deleteUser(id, deleteOptions),
    updateGroup: (id, patch) => tenant.updateGroup(id, patch),
    deleteGroup: (id) => tenant.deleteGroup(id),
    expireDeltaTokens: () => {
      deltaGeneration += 1;
    },
  };

  return {
    url: baseUrl,
    graphBaseUrl: `${baseUrl}/v1.0`,
    authorityHost: baseUrl,
    caCertPem: certificate.certificatePem,
    counts,
    faults,
    mutations,
    tenant,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await certificate.remove();
    },
  };
}

interface RequestContext {
  baseUrl: string;
  graphBaseUrl: string;
  tenant: GraphDirectory;
  sessions: Map<string, PagingSession>;
  faults: GraphServerFaults;
  deltaGeneration: number;
  pageSize: number;
  membersPerDeltaItem: number;
}

function respondToGraphRequest(context: RequestContext, request: IncomingMessage, url: URL, response: ServerResponse): void {
  const { faults } = context;
  if (faults.isForbidden) {
    sendJson(response, 403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
    return;
  }
  if (faults.throttle.remaining > 0) {
    faults.throttle.remaining -= 1;
    const headers: Record<string, string> = {};
    if (faults.throttle.retryAfterSeconds !== undefined) {
      headers['Retry-After'] = String(faults.throttle.retryAfterSeconds);
    }
    const code = faults.throttle.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable';
    sendJson(response, faults.throttle.status, graphError(code, 'Please retry again later.'), headers);
    return;
  }
  const failure = faults.failures.find((candidate) => candidate.remaining > 0 && url.pathname.includes(candidate.pathIncludes));
  if (failure) {
    failure.remaining -= 1;
    sendJson(response, failure.status, graphError('generalException', 'The request failed on purpose.'));
    return;
  }
  if (request.method !== 'GET') {
    sendJson(response, 405, graphError('Request_BadRequest', 'The local Graph server is read-only.'));
    return;
  }

  const skipToken = url.searchParams.get('$skiptoken');
  if (skipToken !== null) {
    const session = context.sessions.get(skipToken);
    if (!session || session.path !== url.pathname) {
      sendJson(response, 400, graphError('Directory_InvalidSkipToken', 'The specified page token value has expired or is invalid.'));
      return;
    }
    context.sessions.delete(skipToken);
    sendPage(context, session, response);
    return;
  }

  const top = url.searchParams.get('$top');
  if (top !== null) {
    const topValue = Number(top);
    if (!Number.isInteger(topValue) || topValue < 1 || topValue > faults.maxTop) {
      sendJson(response, 400, graphError('Request_UnsupportedQuery', `Invalid page size specified: '${top}'. Must be between 1 and ${faults.maxTop} inclusive.`));
      return;
    }
  }
  const pageSize = Math.min(top === null ? DEFAULT_PAGE_SIZE : Number(top), context.pageSize);
  const select = url.searchParams.get('$select');
  const path = url.pathname.slice('/v1.0'.length);

  const listing = listFor(context, path, url.searchParams, select);
  if (listing.kind === 'error') {
    sendJson(response, listing.status, graphError(listing.code, listing.message));
    return;
  }
  const isDelta = path.endsWith('/delta');
  const session: PagingSession = {
    path: url.pathname,
    items: listing.items,
    offset: 0,
    pageIndex: 0,
    pageSize: isDelta ? context.pageSize : pageSize,
    context: `${context.graphBaseUrl}/$metadata#${listing.entitySet}${select ? `(${select})` : ''}`,
    deltaVersion: listing.deltaVersion,
  };
  sendPage(context, session, response);
}

type Listing =
  | { kind: 'items'; items: DeltaItem[]; entitySet: string; deltaVersion: number | undefined }
  | { kind: 'error'; status: number; code: string; message: string };

function listFor(context: RequestContext, path: string, query: URLSearchParams, select: string | null): Listing {
  const { tenant } = context;
  const pick = (item: DeltaItem): DeltaItem => selectProperties(item, select);

  if (path === '/users') {
    const filter = query.get('$filter');
    try {
      const users = tenant.listUsers().filter((user) => filter === null || matchesUserFilter(user, filter));
      return { kind: 'items', items: users.map((user) => pick({ ...user })), entitySet: 'users', deltaVersion: undefined };
    } catch (error) {
      if (error instanceof UnsupportedFilterError) {
        return { kind: 'error', status: 400, code: 'Request_UnsupportedQuery', message: error.message };
      }
      throw error;
    }
  }
  if (path === '/groups') {
    return { kind: 'items', items: tenant.listGroups().map((group) => pick({ ...group })), entitySet: 'groups', deltaVersion: undefined };
  }
  if (path === '/users/delta' || path === '/groups/delta') {
    const since = parseDeltaToken(query.get('$deltatoken'), context.deltaGeneration);
    if (since === 'expired') {
      return { kind: 'error', status: 410, code: 'syncStateNotFound', message: 'The delta token is expired or invalid. Start a new delta round.' };
    }
    const version = tenant.version;
    const items = path === '/users/delta'
      ? tenant.userDelta(since).map((item) => ('@removed' in item ? item : pick(item)))
      : tenant.groupDelta(since, context.membersPerDeltaItem).map((item) => ('@removed' in item ? item : pickGroupDelta(item, select)));
    return { kind: 'items', items, entitySet: path === '/users/delta' ? 'users' : 'groups', deltaVersion: version };
  }

  const membersMatch = /^\/groups\/([^/]+)\/members$/.exec(path);
  if (membersMatch?.[1] !== undefined) {
    const members = tenant.listMembers(membersMatch[1]);
    if (members === undefined) {
      return notFound(membersMatch[1]);
    }
    return { kind: 'items', items: members.map((member) => memberObject(context, member, select)), entitySet: 'directoryObjects', deltaVersion: undefined };
  }
  const transitiveMatch = /^\/groups\/([^/]+)\/transitiveMembers\/microsoft\.graph\.user$/.exec(path);
  if (transitiveMatch?.[1] !== undefined) {
    const users = tenant.listTransitiveUsers(transitiveMatch[1]);
    if (users === undefined) {
      return notFound(transitiveMatch[1]);
    }
    return { kind: 'items', items: users.map((user) => pick({ ...user })), entitySet: 'users', deltaVersion: undefined };
  }
  return { kind: 'error', status: 400, code: 'BadRequest', message: `Resource not found for the segment '${path}'.` };
}

function notFound(id: string): Listing {
  return { kind: 'error', status: 404, code: 'Request_ResourceNotFound', message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.` };
}

/** A member as `/members` returns it: a user with the selected user properties, anything else with its type and id. */
function memberObject(context: RequestContext, member: GraphMemberReference, select: string | null): DeltaItem {
  const user = context.tenant.getUser(member.id);
  if (member['@odata.type'] === '#microsoft.graph.user' && user) {
    return { '@odata.type': member['@odata.type'], ...selectProperties({ ...user }, select) };
  }
  return { '@odata.type': member['@odata.type'], id: member.id };
}

function pickGroupDelta(item: DeltaItem, select: string | null): DeltaItem {
  const picked = selectProperties(item, select);
  if ('members@delta' in item) {
    picked['members@delta'] = item['members@delta'];
  }
  return picked;
}

function selectProperties(item: DeltaItem, select: string | null): DeltaItem {
  if (select === null) {
    return item;
  }
  const wanted = new Set(select.split(',').map((name) => name.trim()));
  wanted.add('id');
  const picked: DeltaItem = {};
  for (const [key, value] of Object.entries(item)) {
    if (wanted.has(key) || key.startsWith('@odata.')) {
      picked[key] = value;
    }
  }
  return picked;
}

function sendPage(context: RequestContext, session: PagingSession, response: ServerResponse): void {
  const cycle = context.faults.pageSizeCycle;
  const size = cycle && cycle.length > 0 ? (cycle[session.pageIndex % cycle.length] ?? session.pageSize) : session.pageSize;
  const value = session.items.slice(session.offset, session.offset + size);
  const next: PagingSession = { ...session, offset: session.offset + value.length, pageIndex: session.pageIndex + 1 };
  const body: Record<string, unknown> = { '@odata.context': session.context };

  if (next.offset < session.items.length) {
    // Standard base64 of 32 bytes ends in '=' and often contains '+' or '/', so
    // the link carries percent-encoded characters a client must send back unchanged.
    const token = randomBytes(32).toString('base64');
    context.sessions.set(token, next);
    body['@odata.nextLink'] = `${context.baseUrl}${session.path}?$skiptoken=${encodeURIComponent(token)}`;
  } else if (session.deltaVersion !== undefined) {
    const deltaToken = Buffer.from(JSON.stringify({ g: context.deltaGeneration, v: session.deltaVersion })).toString('base64url');
    body['@odata.deltaLink'] = `${context.baseUrl}${session.path}?$deltatoken=${deltaToken}`;
  }
  body.value = value;
  sendJson(response, 200, body);
}

/** Reads a delta token: undefined starts a new round, 'expired' when an `expireDeltaTokens` call came after it. */
function parseDeltaToken(token: string | null, generation: number): number | undefined | 'expired' {
  if (token === null) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'g' in parsed && 'v' in parsed && parsed.g === generation && typeof parsed.v === 'number') {
      return parsed.v;
    }
  } catch {
    // A token that does not parse is as unusable as an expired one.
  }
  return 'expired';
}

function graphError(code: string, message: string): Record<string, unknown> {
  const date = new Date().toISOString().slice(0, 19);
  return { error: { code, message, innerError: { date, 'request-id': randomUUID(), 'client-request-id': randomUUID() } } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'request-id': randomUUID(),
    ...headers,
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks).toString('utf8');
}
