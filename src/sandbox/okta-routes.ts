import type { OktaState } from './okta-state.js';
import {
  errorBody,
  groupBody,
  logEventBody,
  userBody,
  type OktaGroupRecord,
  type OktaLogRecord,
  type OktaUserRecord,
} from './okta-wire.js';
import {
  evaluateExpression,
  parseExpression,
  UnsupportedExpressionError,
  type AttributeReader,
  type Expression,
} from './okta-expression.js';

/** One reply of a list endpoint: its items and its `Link` header values. */
export interface OktaPage {
  items: unknown[];
  links: string[];
}

/** A request the server rejects, with Okta's status and error body. */
export class OktaRequestError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.errorSummary));
    this.name = 'OktaRequestError';
    this.status = status;
    this.body = body;
  }
}

interface RouteContext {
  state: OktaState;
  url: URL;
  baseUrl: string;
  maxPageSize: number;
  now: Date;
}

/** Okta keeps 90 days of System Log; older events are no longer returned. */
const LOG_RETENTION_MS = 90 * 86_400_000;
/** Okta's default `since` for `/api/v1/logs`: seven days back. */
const LOG_DEFAULT_WINDOW_MS = 7 * 86_400_000;
const LOG_DEFAULT_LIMIT = 100;
const LOG_MAX_LIMIT = 1000;

const USER_TIME_ATTRIBUTES = new Set(['lastUpdated', 'created', 'activated', 'statusChanged']);
const GROUP_TIME_ATTRIBUTES = new Set(['lastUpdated', 'created', 'lastMembershipUpdated']);

/** Serves one `GET` on the management API, or raises `OktaRequestError`. */
export function routeOktaRequest(context: RouteContext): OktaPage {
  const { pathname } = context.url;
  if (pathname === '/api/v1/users') {
    return listUsers(context);
  }
  if (pathname === '/api/v1/groups') {
    return listGroups(context);
  }
  const members = /^\/api\/v1\/groups\/([^/]+)\/users$/.exec(pathname);
  if (members?.[1] !== undefined) {
    return listGroupMembers(context, members[1]);
  }
  if (pathname === '/api/v1/logs') {
    return listLogEvents(context);
  }
  throw new OktaRequestError(404, errorBody('E0000007', `Not found: Resource not found: ${pathname} (Resource)`));
}

function listUsers(context: RouteContext): OktaPage {
  const { state, url, baseUrl } = context;
  const expression = parseQueryExpression(url, (attribute) => USER_TIME_ATTRIBUTES.has(attribute) || ['id', 'status'].includes(attribute) || attribute.startsWith('profile.'));
  const isCaseSensitive = url.searchParams.has('filter');

  // Okta leaves DEPROVISIONED users out of a plain list; only `search` and
  // `filter` return them.
  const matches = [...state.users.values()]
    .filter((user) => (expression ? evaluateExpression(expression.tree, userReader(user), { isCaseSensitive, timeAttributes: USER_TIME_ATTRIBUTES }) : user.status !== 'DEPROVISIONED'))
    .sort(byId);
  const page = pageById(matches, context);
  const items: unknown[] = page.items.map((user) => userBody(user, baseUrl));
  if (!page.hasMore) {
    items.push(...state.rawUsers);
  }
  return { items, links: page.links };
}

function listGroups(context: RouteContext): OktaPage {
  const { state, url, baseUrl } = context;
  const expression = parseQueryExpression(url, (attribute) => GROUP_TIME_ATTRIBUTES.has(attribute) || ['id', 'type'].includes(attribute) || attribute.startsWith('profile.'));
  const isCaseSensitive = url.searchParams.has('filter');
  const matches = [...state.groups.values()]
    .filter((group) => !expression || evaluateExpression(expression.tree, groupReader(group), { isCaseSensitive, timeAttributes: GROUP_TIME_ATTRIBUTES }))
    .sort(byId);
  const page = pageById(matches, context);
  return { items: page.items.map((group) => groupBody(group, baseUrl)), links: page.links };
}

function listGroupMembers(context: RouteContext, groupId: string): OktaPage {
  const { state, baseUrl } = context;
  const memberIds = state.members.get(groupId);
  if (memberIds === undefined) {
    throw new OktaRequestError(404, errorBody('E0000007', `Not found: Resource not found: ${groupId} (UserGroup)`));
  }
  const members = memberIds
    .map((id) => state.users.get(id))
    .filter((user): user is OktaUserRecord => user !== undefined)
    .sort(byId);
  const page = pageById(members, context);
  return { items: page.items.map((user) => userBody(user, baseUrl)), links: page.links };
}

/**
 * Lists System Log events. Without `until` this is a polling query: Okta always sends
 * a `next` link, even on an empty page, so clients stop on an empty page.
 */
function listLogEvents(context: RouteContext): OktaPage {
  const { state, url, now } = context;
  const params = url.searchParams;
  if ((params.get('sortOrder') ?? 'ASCENDING') !== 'ASCENDING') {
    throw new OktaRequestError(400, errorBody('E0000001', 'Api validation failed: sortOrder', ['The local Okta server supports only sortOrder=ASCENDING.']));
  }
  const requestedSince = parseLogTime(params.get('since'), now.getTime() - LOG_DEFAULT_WINDOW_MS, 'since');
  const since = Math.max(requestedSince, now.getTime() - LOG_RETENTION_MS);
  const untilText = params.get('until');
  const until = untilText === null ? Number.POSITIVE_INFINITY : parseLogTime(untilText, 0, 'until');
  const expression = parseQueryExpression(url, (attribute) => ['eventType', 'target.id', 'target.type', 'actor.id', 'outcome.result', 'uuid'].includes(attribute));
  const limit = clampLimit(params.get('limit'), LOG_DEFAULT_LIMIT, LOG_MAX_LIMIT);
  const afterSequence = parseLogAfter(params.get('after'));

  const matches = state.events.filter((event) => {
    const published = Date.parse(event.published);
    return (
      event.sequence > afterSequence &&
      published >= since &&
      published < until &&
      (!expression || evaluateExpression(expression.tree, logReader(event), { isCaseSensitive: false, timeAttributes: new Set() }))
    );
  });
  const items = matches.slice(0, limit);
  const hasMore = matches.length > limit;

  const links = [`<${url.toString().replace(/^http:\/\/[^/]+/, context.baseUrl)}>; rel="self"`];
  if (hasMore || untilText === null) {
    const last = items.at(-1);
    const next = new URL(url.toString());
    next.searchParams.set('after', last ? logAfterToken(last) : (params.get('after') ?? `${since}_0`));
    links.push(`<${context.baseUrl}${next.pathname}${next.search}>; rel="next"`);
  }
  return { items: items.map(logEventBody), links };
}

function parseQueryExpression(url: URL, isAllowedAttribute: (attribute: string) => boolean): { tree: Expression } | undefined {
  const search = url.searchParams.get('search');
  const filter = url.searchParams.get('filter');
  if (url.searchParams.has('q')) {
    throw invalidSearch('The local Okta server does not support q; use search or filter.');
  }
  if (search !== null && filter !== null) {
    throw invalidSearch('Use either search or filter, not both.');
  }
  const text = search ?? filter;
  if (text === null) {
    return undefined;
  }
  try {
    return { tree: parseExpression(text, isAllowedAttribute) };
  } catch (error) {
    if (error instanceof UnsupportedExpressionError) {
      throw invalidSearch(error.message);
    }
    throw error;
  }
}

function invalidSearch(cause: string): OktaRequestError {
  return new OktaRequestError(400, errorBody('E0000031', 'Invalid search criteria.', [cause]));
}

/** Pages a list sorted by id: `after` is the last id of the previous page, as in Okta's user and group lists. */
function pageById<T extends { id: string }>(sorted: T[], context: RouteContext): { items: T[]; links: string[]; hasMore: boolean } {
  const { url, baseUrl, maxPageSize } = context;
  const limit = clampLimit(url.searchParams.get('limit'), maxPageSize, maxPageSize);
  const after = url.searchParams.get('after');
  const start = after === null ? 0 : sorted.findIndex((item) => item.id > after);
  const remaining = start === -1 ? [] : sorted.slice(start);
  const items = remaining.slice(0, limit);
  const hasMore = remaining.length > limit;

  const self = new URL(url.toString());
  const links = [`<${baseUrl}${self.pathname}${self.search}>; rel="self"`];
  const last = items.at(-1);
  if (hasMore && last) {
    const next = new URL(url.toString());
    next.searchParams.set('after', last.id);
    next.searchParams.set('limit', String(limit));
    links.push(`<${baseUrl}${next.pathname}${next.search}>; rel="next"`);
  }
  return { items, links, hasMore };
}

function clampLimit(text: string | null, fallback: number, max: number): number {
  if (text === null) {
    return fallback;
  }
  const value = Number.parseInt(text, 10);
  if (!Number.isInteger(value) || value < 1) {
    throw new OktaRequestError(400, errorBody('E0000001', 'Api validation failed: limit', [`limit must be a positive integer, not "${text}".`]));
  }
  return Math.min(value, max);
}

function parseLogTime(text: string | null, fallback: number, name: string): number {
  if (text === null) {
    return fallback;
  }
  const value = Date.parse(text);
  if (Number.isNaN(value)) {
    throw new OktaRequestError(400, errorBody('E0000001', `Api validation failed: ${name}`, [`${name} must be an ISO 8601 time.`]));
  }
  return value;
}

/** Builds the System Log `after` cursor: the event's publish time in milliseconds and its sequence. */
function logAfterToken(event: OktaLogRecord): string {
  return `${Date.parse(event.published)}_${event.sequence}`;
}

function parseLogAfter(text: string | null): number {
  if (text === null) {
    return 0;
  }
  const sequence = Number.parseInt(text.split('_')[1] ?? '', 10);
  if (!Number.isInteger(sequence)) {
    throw new OktaRequestError(400, errorBody('E0000001', 'Api validation failed: after', [`"${text}" is not a System Log cursor.`]));
  }
  return sequence;
}

function byId(left: { id: string }, right: { id: string }): number {
  if (left.id === right.id) {
    return 0;
  }
  return left.id < right.id ? -1 : 1;
}

function userReader(user: OktaUserRecord): AttributeReader {
  return (attribute) => {
    if (attribute.startsWith('profile.')) {
      const value = (user.profile as Record<string, unknown>)[attribute.slice('profile.'.length)];
      return typeof value === 'string' ? value : undefined;
    }
    const value = (user as unknown as Record<string, unknown>)[attribute];
    return typeof value === 'string' ? value : undefined;
  };
}

function groupReader(group: OktaGroupRecord): AttributeReader {
  return (attribute) => {
    if (attribute.startsWith('profile.')) {
      const value = (group.profile as Record<string, unknown>)[attribute.slice('profile.'.length)];
      return typeof value === 'string' ? value : undefined;
    }
    const value = (group as unknown as Record<string, unknown>)[attribute];
    return typeof value === 'string' ? value : undefined;
  };
}

function logReader(event: OktaLogRecord): AttributeReader {
  return (attribute) => {
    switch (attribute) {
      case 'eventType':
        return event.eventType;
      case 'uuid':
        return event.uuid;
      case 'target.id':
        return event.targets.map((target) => target.id);
      case 'target.type':
        return event.targets.map((target) => target.type);
      case 'actor.id':
        return '00u0sandboxadmin0001';
      case 'outcome.result':
        return 'SUCCESS';
      default:
        return undefined;
    }
  };
}
