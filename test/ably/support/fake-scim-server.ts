import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ROLE_EXTENSION_URN = 'urn:ably:scim:schemas:extension:accountAccess:2.0:Group';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** What the fake provider advertises and enforces. */
export interface FakeProviderSettings {
  patch: boolean;
  filter: boolean;
  etag: boolean;
  /** Advertised as `filter.maxResults` and enforced as the largest page. */
  maxResults: number;
  roleExtension: boolean;
  /** The maximum items (operations, or values of one `add`) per PATCH before a 400 tooMany; not advertised. */
  maxPatchItems?: number;
  /** Lists and plain GETs of a group send `members: []`, while `?attributes=members` sends the real members. */
  omitMembersOnGet: boolean;
  /** A remove whose `members[value eq ...]` filter matches no member fails with 400 noTarget. */
  rejectRemoveOfNonMember: boolean;
}

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The raw query string, undecoded. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * Handles a request before the provider logic; returns true when it sent the
 * response itself. Fault scripts use it for 429s, resets, hangs and odd bodies.
 */
export type Interceptor = (request: RecordedRequest, response: ServerResponse) => boolean;

type Resource = Record<string, unknown> & { id: string };

/**
 * A small in-memory SCIM 2.0 provider on 127.0.0.1 for the client's tests.
 * It implements the part of RFC 7644 the client uses: lists with paging, `eq`
 * filters, the client's PATCH paths, and PUT with `If-Match`. Interceptors
 * script precise faults.
 */
export class FakeScimServer {
  readonly requests: RecordedRequest[] = [];
  readonly users = new Map<string, Resource>();
  readonly groups = new Map<string, Resource>();
  readonly interceptors: Interceptor[] = [];
  settings: FakeProviderSettings;
  readonly #server: Server;
  #versionCounter = 0;
  baseUrl = '';

  private constructor(settings: FakeProviderSettings) {
    this.settings = settings;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
  }

  /** Starts a fake on a free loopback port. Credentials are `scim` / `s3cret-pass`. */
  static async start(settings: Partial<FakeProviderSettings> = {}): Promise<FakeScimServer> {
    const fake = new FakeScimServer({
      patch: true,
      filter: true,
      etag: true,
      maxResults: 50,
      roleExtension: true,
      omitMembersOnGet: false,
      rejectRemoveOfNonMember: false,
      ...settings,
    });
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.baseUrl = `http://127.0.0.1:${port}/scim/v2`;
    return fake;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Fails the next `count` requests matching `match` with `status` and a SCIM error body. */
  failNext(count: number, status: number, options: { headers?: Record<string, string>; scimType?: string; match?: (request: RecordedRequest) => boolean } = {}): void {
    let remaining = count;
    this.interceptors.push((request, response) => {
      if (remaining <= 0 || (options.match && !options.match(request))) {
        return false;
      }
      remaining -= 1;
      sendJson(response, status, errorBody(status, options.scimType, 'scripted failure'), options.headers);
      return true;
    });
  }

  /** Adds a user resource directly, as if another client had created it. */
  seedUser(userName: string, extra: Record<string, unknown> = {}): Resource {
    const user: Resource = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: randomUUID(),
      userName,
      active: true,
      emails: [{ value: userName, type: 'work', primary: true }],
      ...extra,
    };
    this.#stamp(user, 'User');
    this.users.set(user.id, user);
    return user;
  }

  /** Adds a group resource directly. */
  seedGroup(displayName: string, memberIds: string[] = [], extra: Record<string, unknown> = {}): Resource {
    const group: Resource = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: randomUUID(),
      displayName,
      members: memberIds.map((value) => ({ value, type: 'User' })),
      ...extra,
    };
    this.#stamp(group, 'Group');
    this.groups.set(group.id, group);
    return group;
  }

  /** Requests other than the discovery endpoints. */
  resourceRequests(): RecordedRequest[] {
    return this.requests.filter((request) => !/\/(ServiceProviderConfig|ResourceTypes|Schemas)$/.test(request.path));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(request);
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      rawQuery: url.search.replace(/^\?/, ''),
      query: url.searchParams,
      headers: request.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    this.requests.push(recorded);

    for (const interceptor of this.interceptors) {
      if (interceptor(recorded, response)) {
        return;
      }
    }
    if (request.headers.authorization !== `Basic ${Buffer.from('scim:s3cret-pass').toString('base64')}`) {
      sendJson(response, 401, errorBody(401, undefined, 'authentication required'));
      return;
    }
    this.#route(recorded, response);
  }

  #route(request: RecordedRequest, response: ServerResponse): void {
    const path = request.path.replace(/^\/scim\/v2/, '');
    if (path === '/ServiceProviderConfig') {
      sendJson(response, 200, this.#serviceProviderConfig());
      return;
    }
    if (path === '/ResourceTypes') {
      sendJson(response, 200, listBody(resourceTypes(), 1));
      return;
    }
    if (path === '/Schemas') {
      const ids = ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group'];
      if (this.settings.roleExtension) {
        ids.push(ROLE_EXTENSION_URN);
      }
      sendJson(response, 200, listBody(ids.map((id) => ({ id })), 1));
      return;
    }
    const match = /^\/(Users|Groups)(?:\/([^/]+))?$/.exec(path);
    if (!match) {
      sendJson(response, 404, errorBody(404, undefined, 'no such endpoint'));
      return;
    }
    const kind = match[1] === 'Users' ? 'User' : 'Group';
    const store = kind === 'User' ? this.users : this.groups;
    const id = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (id === undefined) {
      this.#collection(request, response, kind, store);
      return;
    }
    this.#single(request, response, kind, store, id);
  }

  #collection(request: RecordedRequest, response: ServerResponse, kind: string, store: Map<string, Resource>): void {
    if (request.method === 'POST') {
      const resource = { ...(request.body as Record<string, unknown>), id: randomUUID() } as Resource;
      const duplicate = [...store.values()].some((existing) =>
        kind === 'User'
          ? String(existing.userName).toLowerCase() === String(resource.userName).toLowerCase()
          : existing.displayName === resource.displayName,
      );
      if (duplicate) {
        sendJson(response, 409, errorBody(409, 'uniqueness', 'already exists'));
        return;
      }
      this.#stamp(resource, kind);
      store.set(resource.id, resource);
      sendJson(response, 201, resource, { etag: versionOf(resource) });
      return;
    }
    let resources = [...store.values()];
    const filter = request.query.get('filter');
    if (filter !== null) {
      if (!this.settings.filter) {
        sendJson(response, 400, errorBody(400, 'invalidFilter', 'filtering is not supported'));
        return;
      }
      const parsed = /^(\w+) eq (".*")$/.exec(filter);
      if (!parsed) {
        sendJson(response, 400, errorBody(400, 'invalidFilter', 'unsupported filter'));
        return;
      }
      const attribute = parsed[1] as string;
      const value = JSON.parse(parsed[2] as string) as string;
      const isCaseExact = attribute === 'externalId' || attribute === 'id';
      resources = resources.filter((resource) => {
        const actual = resource[attribute];
        return typeof actual === 'string' && (isCaseExact ? actual === value : actual.toLowerCase() === value.toLowerCase());
      });
    }
    const startIndex = Math.max(1, Number(request.query.get('startIndex') ?? '1'));
    const count = Math.min(Number(request.query.get('count') ?? String(this.settings.maxResults)), this.settings.maxResults);
    const page = resources.slice(startIndex - 1, startIndex - 1 + count).map((resource) => this.#view(resource, kind, false));
    sendJson(response, 200, { ...listBody(page, startIndex), totalResults: resources.length });
  }

  #single(request: RecordedRequest, response: ServerResponse, kind: string, store: Map<string, Resource>, id: string): void {
    const resource = store.get(id);
    if (!resource) {
      sendJson(response, 404, errorBody(404, undefined, 'resource not found'));
      return;
    }
    const ifMatch = request.headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== versionOf(resource)) {
      sendJson(response, 412, errorBody(412, undefined, 'version mismatch'));
      return;
    }
    if (request.method === 'GET') {
      const wantsMembers = request.query.get('attributes') === 'members';
      sendJson(response, 200, this.#view(resource, kind, wantsMembers), { etag: versionOf(resource) });
      return;
    }
    if (request.method === 'DELETE') {
      store.delete(id);
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'PUT') {
      const replaced = { ...(request.body as Record<string, unknown>), id } as Resource;
      this.#stamp(replaced, kind);
      store.set(id, replaced);
      sendJson(response, 200, replaced, { etag: versionOf(replaced) });
      return;
    }
    if (request.method === 'PATCH') {
      this.#patch(request, response, kind, resource);
      return;
    }
    sendJson(response, 405, errorBody(405, undefined, 'method not allowed'));
  }

  #patch(request: RecordedRequest, response: ServerResponse, kind: string, resource: Resource): void {
    if (!this.settings.patch) {
      sendJson(response, 501, errorBody(501, undefined, 'PATCH is not supported'));
      return;
    }
    const operations = (request.body as { Operations: { op: string; path?: string; value?: unknown }[] }).Operations;
    const items = operations.reduce((sum, operation) => sum + (Array.isArray(operation.value) && operation.path === 'members' ? operation.value.length : 1), 0);
    if (this.settings.maxPatchItems !== undefined && items > this.settings.maxPatchItems) {
      sendJson(response, 400, errorBody(400, 'tooMany', 'too many operations'));
      return;
    }
    const members = (resource.members as { value: string }[] | undefined) ?? [];
    const missingTarget = operations.some((operation) => {
      const memberPath = /^members\[value eq (".*")\]$/.exec(operation.path ?? '');
      return memberPath !== null && !members.some((member) => member.value === JSON.parse(memberPath[1] as string));
    });
    if (this.settings.rejectRemoveOfNonMember && missingTarget) {
      sendJson(response, 400, errorBody(400, 'noTarget', 'no member matches the filter'));
      return;
    }
    for (const operation of operations) {
      applyOperation(resource, operation);
    }
    this.#stamp(resource, kind);
    sendJson(response, 200, resource, { etag: versionOf(resource) });
  }

  #view(resource: Resource, kind: string, wantsMembers: boolean): Record<string, unknown> {
    if (kind === 'Group' && this.settings.omitMembersOnGet && !wantsMembers) {
      return { ...resource, members: [] };
    }
    if (wantsMembers) {
      return { id: resource.id, members: resource.members ?? [] };
    }
    return resource;
  }

  #stamp(resource: Resource, kind: string): void {
    this.#versionCounter += 1;
    resource.meta = { resourceType: kind, version: `W/"v${this.#versionCounter}"` };
  }

  #serviceProviderConfig(): Record<string, unknown> {
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: this.settings.patch },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: this.settings.filter, maxResults: this.settings.maxResults },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: this.settings.etag },
      authenticationSchemes: [{ type: 'httpbasic', name: 'HTTP Basic' }],
    };
  }
}

function applyOperation(resource: Resource, operation: { op: string; path?: string; value?: unknown }): void {
  const op = operation.op.toLowerCase();
  const path = operation.path ?? '';
  const memberPath = /^members\[value eq (".*")\]$/.exec(path);
  if (op === 'remove' && memberPath) {
    const value = JSON.parse(memberPath[1] as string) as string;
    resource.members = ((resource.members as { value: string }[] | undefined) ?? []).filter((member) => member.value !== value);
    return;
  }
  if (op === 'add' && path === 'members') {
    const current = (resource.members as { value: string }[] | undefined) ?? [];
    const added = (operation.value as { value: string }[]).filter((member) => !current.some((existing) => existing.value === member.value));
    resource.members = [...current, ...added];
    return;
  }
  if (path.startsWith(`${ROLE_EXTENSION_URN}:`)) {
    const attribute = path.slice(ROLE_EXTENSION_URN.length + 1);
    resource[ROLE_EXTENSION_URN] = { ...((resource[ROLE_EXTENSION_URN] as object | undefined) ?? {}), [attribute]: operation.value };
    return;
  }
  const [head, sub] = path.split('.') as [string, string | undefined];
  if (sub === undefined) {
    resource[head] = operation.value;
    return;
  }
  resource[head] = { ...((resource[head] as object | undefined) ?? {}), [sub]: operation.value };
}

function resourceTypes(): Record<string, unknown>[] {
  return [
    { id: 'User', name: 'User', endpoint: '/Users', schema: 'urn:ietf:params:scim:schemas:core:2.0:User' },
    { id: 'Group', name: 'Group', endpoint: '/Groups', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group' },
  ];
}

function versionOf(resource: Resource): string {
  return (resource.meta as { version: string }).version;
}

/** Builds a ListResponse body. */
export function listBody(resources: unknown[], startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** Builds an RFC 7644 error body. */
export function errorBody(status: number, scimType: string | undefined, detail: string): Record<string, unknown> {
  return { schemas: [ERROR_SCHEMA], status: String(status), detail, ...(scimType === undefined ? {} : { scimType }) };
}

/** Sends JSON with the SCIM media type. */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/scim+json', ...headers });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
