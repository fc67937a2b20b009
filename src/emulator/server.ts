import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { renderAdminPage } from './admin-page.js';
import { ScimError, badRequest } from './errors.js';
import { faultsUpdateSchema, type FaultController } from './faults.js';
import { organizationView, type OrganizationSettings } from './organization.js';
import { etagOf, parseProjection, projectionNames, projectResource, renderResource, type Projection, type RenderContext } from './representation.js';
import type { ListQuery, ResourceService } from './resource-service.js';
import {
  LIST_RESPONSE_SCHEMA,
  SEARCH_REQUEST_SCHEMA,
  resourceTypeResource,
  schemaResource,
  schemasOf,
  serviceProviderConfig,
  type ResourceModel,
} from './schemas.js';
import type { RequestCounter } from './stats.js';
import type { StoredResource } from './store.js';

/**
 * HTTP routing of the emulator: `/scim/v2/...` (RFC 7644) and `/admin`,
 * both behind HTTP Basic. Bodies are JSON; responses are
 * `application/scim+json` for SCIM and `application/json` for the admin API.
 */

export const SCIM_BASE_PATH = '/scim/v2';
const SCIM_CONTENT_TYPE = 'application/scim+json';
const MAX_BODY_BYTES = 1_048_576;
const DEFAULT_MAX_RESULTS = 200;

/** Everything the request handler reads. */
export interface ServerContext {
  service: ResourceService;
  settings: OrganizationSettings;
  models: { user: ResourceModel; group: ResourceModel };
  render: RenderContext;
  faults: FaultController;
  counter: RequestCounter;
  credentials: { username: string; password: string };
  logger: Logger;
  delay: (milliseconds: number) => Promise<void>;
}

/** A request as the route handlers see it. */
interface ScimRequest {
  method: string;
  /** The path below the SCIM base path, such as `/Users/123`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  readBody: () => Promise<unknown>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Builds the Node `request` listener. */
export function createRequestHandler(context: ServerContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(context, request, response).catch((error: unknown) => {
      context.logger.error({ err: error, method: request.method, url: request.url }, 'emulator request failed');
      if (!response.headersSent) {
        send(response, { status: 500, body: new ScimError(500, 'Internal server error').toBody() }, SCIM_CONTENT_TYPE);
      } else {
        response.destroy();
      }
    });
  };
}

async function handle(context: ServerContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator.invalid');
  const method = (request.method ?? 'GET').toUpperCase();
  const pathname = url.pathname;

  if (pathname === SCIM_BASE_PATH || pathname.startsWith(`${SCIM_BASE_PATH}/`)) {
    const path = pathname.slice(SCIM_BASE_PATH.length) || '/';
    context.counter.record(method, method === 'POST' && path.endsWith('/.search'));
    const reply = await handleScim(context, {
      method,
      path,
      query: url.searchParams,
      headers: request.headers,
      readBody: () => readJsonBody(request),
    });
    context.logger.debug({ method, path, status: reply.status }, 'scim request');
    send(response, reply, SCIM_CONTENT_TYPE);
    return;
  }

  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    if (!isAuthorized(context, request.headers.authorization)) {
      send(response, { status: 401, body: { error: 'Basic authentication required' }, headers: { 'WWW-Authenticate': 'Basic realm="Ably organization emulator"' } }, 'application/json');
      return;
    }
    await handleAdmin(context, method, pathname, request, response);
    return;
  }

  send(response, { status: 404, body: { error: `No route for ${pathname}; SCIM is under ${SCIM_BASE_PATH}, the admin page at /admin` } }, 'application/json');
}

async function handleScim(context: ServerContext, request: ScimRequest): Promise<Reply> {
  try {
    if (!isAuthorized(context, request.headers.authorization)) {
      throw new ScimError(401, 'Authentication with the SCIM Username and SCIM Password (HTTP Basic) is required', {
        headers: { 'WWW-Authenticate': 'Basic realm="Ably SCIM"' },
      });
    }
    const decision = context.faults.decide(request.method, request.path);
    if (decision.latencyMs > 0) {
      await context.delay(decision.latencyMs);
    }
    if (decision.error) {
      throw decision.error;
    }
    return await routeScim(context, request);
  } catch (error) {
    if (error instanceof ScimError) {
      return { status: error.status, body: error.toBody(), headers: error.headers };
    }
    throw error;
  }
}

async function routeScim(context: ServerContext, request: ScimRequest): Promise<Reply> {
  const segments = request.path.split('/').filter((segment) => segment.length > 0).map(decodeSegment);
  const [first, second, ...rest] = segments;
  const { method } = request;
  const models = context.models;

  const discovery = routeDiscovery(context, request, segments);
  if (discovery) {
    return discovery;
  }
  if (first === 'Bulk' && second === undefined) {
    throw new ScimError(501, 'Bulk operations are not supported; /ServiceProviderConfig advertises bulk.supported false');
  }
  if (first === 'Me') {
    throw new ScimError(501, 'The /Me endpoint is not supported');
  }
  if (first === '.search' && second === undefined) {
    allow(method, ['POST']);
    return search(context, [models.user, models.group], await request.readBody());
  }

  let model: ResourceModel | undefined;
  if (first === 'Users') model = models.user;
  if (first === 'Groups') model = models.group;
  if (!model || rest.length > 0) {
    throw new ScimError(404, `No SCIM endpoint at ${request.path}`);
  }
  if (second === undefined) {
    allow(method, ['GET', 'POST']);
    if (method === 'GET') {
      const projections = new Map([[model.name, projectionFromParameters(model, request.query)]]);
      return list(context, [model], queryFromParameters(request.query), projections, true);
    }
    const created = context.service.create(model, await request.readBody());
    return resourceReply(context, model, created, projectionFromParameters(model, request.query), 201, false);
  }
  if (second === '.search') {
    allow(method, ['POST']);
    return search(context, [model], await request.readBody());
  }

  allow(method, ['GET', 'PUT', 'PATCH', 'DELETE']);
  const ifMatch = headerValue(request.headers['if-match']);
  const projection = projectionFromParameters(model, request.query);
  switch (method) {
    case 'GET': {
      const resource = context.service.get(model, second);
      const ifNoneMatch = headerValue(request.headers['if-none-match']);
      if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etagOf(resource) || tag.trim() === '*')) {
        return { status: 304, headers: { ETag: etagOf(resource) } };
      }
      return resourceReply(context, model, resource, projection, 200, true);
    }
    case 'PUT':
      return resourceReply(context, model, context.service.replace(model, second, await request.readBody(), ifMatch), projection, 200, false);
    case 'PATCH':
      return resourceReply(context, model, context.service.patch(model, second, await request.readBody(), ifMatch, context.faults.current().maxPatchOperations), projection, 200, false);
    default:
      context.service.delete(model, second, ifMatch);
      return { status: 204 };
  }
}

/** Routes `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644 §4); returns undefined for other paths. */
function routeDiscovery(context: ServerContext, request: ScimRequest, segments: string[]): Reply | undefined {
  const [first, second, ...rest] = segments;
  const { method } = request;
  const baseUrl = context.render.baseUrl;
  const models = context.models;

  if (first === 'ServiceProviderConfig' && second === undefined) {
    allow(method, ['GET']);
    rejectFilter(request);
    return { status: 200, body: serviceProviderConfig(baseUrl, { maxResults: maxResults(context) }) };
  }
  if (first === 'ResourceTypes' && rest.length === 0) {
    allow(method, ['GET']);
    rejectFilter(request);
    const all = [models.user, models.group];
    if (second === undefined) return { status: 200, body: listBody(all.map((model) => resourceTypeResource(baseUrl, model)), 1, all.length) };
    const model = all.find((candidate) => candidate.name === second);
    if (!model) throw new ScimError(404, `Resource type ${second} not found`);
    return { status: 200, body: resourceTypeResource(baseUrl, model) };
  }
  if (first === 'Schemas' && rest.length === 0) {
    allow(method, ['GET']);
    rejectFilter(request);
    const all = [...schemasOf(models.user), ...schemasOf(models.group)];
    if (second === undefined) return { status: 200, body: listBody(all.map((schema) => schemaResource(baseUrl, schema)), 1, all.length) };
    const schema = all.find((candidate) => candidate.id.toLowerCase() === second.toLowerCase());
    if (!schema) throw new ScimError(404, `Schema ${second} not found`);
    return { status: 200, body: schemaResource(baseUrl, schema) };
  }
  return undefined;
}

function resourceReply(context: ServerContext, model: ResourceModel, resource: StoredResource, projection: Projection, status: number, isRead: boolean): Reply {
  const body = present(context, model, resource, projection, isRead);
  const headers: Record<string, string> = { ETag: etagOf(resource) };
  if (status === 201) {
    headers.Location = String((body.meta as Record<string, unknown> | undefined)?.location ?? `${context.render.baseUrl}${model.endpoint}/${resource.id}`);
  }
  return { status, body, headers };
}

function present(context: ServerContext, model: ResourceModel, resource: StoredResource, projection: Projection, isRead: boolean): Record<string, unknown> {
  const body = projectResource(model, renderResource(context.render, resource), projection);
  if (isRead && model.name === 'Group' && context.faults.current().omitMembersOnGet && body.members !== undefined && !projectionNames(projection, 'members')) {
    body.members = [];
  }
  return body;
}

function list(context: ServerContext, models: ResourceModel[], query: ListQuery, projections: Map<string, Projection>, isRead: boolean): Reply {
  const page = context.service.list(models, query, maxResults(context));
  const modelByName = new Map(models.map((model) => [model.name, model]));
  const resources = page.resources.map((resource) => {
    const model = modelByName.get(resource.resourceType) as ResourceModel;
    return present(context, model, resource, projections.get(model.name) ?? { mode: 'default', paths: [] }, isRead);
  });
  return { status: 200, body: listBody(resources, page.startIndex, page.totalResults) };
}

async function search(context: ServerContext, models: ResourceModel[], body: unknown): Promise<Reply> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalidSyntax', 'A .search body must be a JSON object');
  }
  const request = body as Record<string, unknown>;

  if (!Array.isArray(request.schemas) || !request.schemas.includes(SEARCH_REQUEST_SCHEMA)) {
    throw badRequest('invalidSyntax', `A .search body must list "${SEARCH_REQUEST_SCHEMA}" in "schemas"`);
  }

  const parameters = new URLSearchParams();
  for (const key of ['filter', 'sortBy', 'sortOrder']) {
    const value = request[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw badRequest('invalidValue', `"${key}" must be a string`);
    parameters.set(key, value);
  }
  for (const key of ['startIndex', 'count']) {
    const value = request[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw badRequest('invalidValue', `"${key}" must be an integer`);
    parameters.set(key, String(value));
  }
  for (const key of ['attributes', 'excludedAttributes']) {
    const value = request[key];
    if (value === undefined) continue;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw badRequest('invalidValue', `"${key}" must be an array of attribute paths`);
    parameters.set(key, value.join(','));
  }

  const projections = new Map<string, Projection>();
  let firstError: unknown;
  for (const model of models) {
    try {
      projections.set(model.name, parseProjection(model, parameters.get('attributes') ?? undefined, parameters.get('excludedAttributes') ?? undefined));
    } catch (error) {
      // At the root endpoint a path may belong to one resource type only, so
      // the request fails only when no type has the attribute.
      firstError ??= error;
    }
  }
  if (projections.size === 0) {
    throw firstError;
  }
  return list(context, models, queryFromParameters(parameters), projections, true);
}

function queryFromParameters(parameters: URLSearchParams): ListQuery {
  const sortOrder = parameters.get('sortOrder') ?? 'ascending';
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw badRequest('invalidValue', `sortOrder must be "ascending" or "descending", got "${sortOrder}"`);
  }
  return {
    filter: parameters.get('filter') ?? undefined,
    startIndex: integerParameter(parameters, 'startIndex') ?? 1,
    count: integerParameter(parameters, 'count'),
    sortBy: parameters.get('sortBy') ?? undefined,
    sortOrder,
  };
}

function projectionFromParameters(model: ResourceModel, parameters: URLSearchParams): Projection {
  return parseProjection(model, parameters.get('attributes') ?? undefined, parameters.get('excludedAttributes') ?? undefined);
}

function integerParameter(parameters: URLSearchParams, name: string): number | undefined {
  const text = parameters.get(name);
  if (text === null) return undefined;
  if (!/^-?\d+$/.test(text.trim())) {
    throw badRequest('invalidValue', `${name} must be an integer, got "${text}"`);
  }
  return Number(text);
}

function listBody(resources: unknown[], startIndex: number, totalResults: number): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}

function maxResults(context: ServerContext): number {
  return context.faults.current().maxResults ?? DEFAULT_MAX_RESULTS;
}

function rejectFilter(request: ScimRequest): void {
  // RFC 7644 §4: a filter on the discovery endpoints gets 403, so that a
  // client never assumes a filter it sent was applied.
  if (request.query.has('filter')) {
    throw new ScimError(403, 'Filtering is not supported on the discovery endpoints');
  }
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw new ScimError(405, `Method ${method} is not allowed here; allowed: ${methods.join(', ')}`, { headers: { Allow: methods.join(', ') } });
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ScimError(404, `The path segment "${segment}" is not valid percent-encoding`);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

async function handleAdmin(context: ServerContext, method: string, pathname: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const json = (status: number, body?: unknown) => send(response, { status, body }, 'application/json');
  const route = `${method} ${pathname.replace(/\/$/, '')}`;
  switch (route) {
    case 'GET /admin': {
      const html = renderAdminPage(organizationView(context.settings, context.render.store), context.counter.snapshot());
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
      response.end(html);
      return;
    }
    case 'GET /admin/api/organization':
      return json(200, organizationView(context.settings, context.render.store));
    case 'GET /admin/api/stats':
      return json(200, context.counter.snapshot());
    case 'POST /admin/api/stats/reset':
      context.counter.reset();
      return json(204);
    case 'GET /admin/api/faults':
      return json(200, context.faults.current());
    case 'PUT /admin/api/faults': {
      let body: unknown;
      try {
        body = await readJsonBody(request);
      } catch (error) {
        return json(400, { error: error instanceof Error ? error.message : 'invalid body' });
      }
      const parsed = faultsUpdateSchema.safeParse(body);
      if (!parsed.success) {
        return json(400, { error: 'Invalid faults', issues: parsed.error.issues });
      }
      context.faults.update(parsed.data);
      return json(200, context.faults.current());
    }
    case 'DELETE /admin/api/faults':
      context.faults.clear();
      return json(204);
    default:
      return json(404, { error: `No admin route for ${method} ${pathname}` });
  }
}

function isAuthorized(context: ServerContext, header: string | undefined): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const expected = `${context.credentials.username}:${context.credentials.password}`;
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(decoded), digest(expected));
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !/^application\/(scim\+)?json\s*(;|$)/i.test(contentType)) {
    throw new ScimError(415, `Content-Type must be ${SCIM_CONTENT_TYPE} or application/json, got ${contentType}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ScimError(413, `The request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim().length === 0) {
    throw badRequest('invalidSyntax', 'The request body is empty; send a JSON object');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('invalidSyntax', 'The request body is not valid JSON');
  }
}

function send(response: ServerResponse, reply: Reply, contentType: string): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers);
    response.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  headers['Content-Type'] = contentType;
  headers['Content-Length'] = String(Buffer.byteLength(text));
  response.writeHead(reply.status, headers);
  response.end(text);
}
