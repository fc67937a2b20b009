import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { SampleDirectory } from './sample-directory.js';
import { OktaFaultList, type OktaFaultControls } from './okta-faults.js';
import { OktaState } from './okta-state.js';
import { errorBody } from './okta-wire.js';
import { OktaRequestError, routeOktaRequest, type OktaPage } from './okta-routes.js';

/**
 * A local stand-in for Okta's management API (`/api/v1/users`, `/groups`,
 * `/groups/{id}/users`, `/logs`), for the demo and the tests. It checks the
 * SSWS token, pages with `limit`/`after` and absolute `Link` headers, sends
 * `X-Rate-Limit-*` and `Date` headers on every reply, and can inject faults.
 * It serves `GET` only: changes go through `mutations`, not HTTP.
 */

export interface OktaServerOptions {
  directory: SampleDirectory;
  /** The API token clients must send as `Authorization: SSWS <token>`. */
  token: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** The largest `limit` honoured for users and groups; Okta caps most lists at 200. */
  maxPageSize?: number;
  /** The server's clock, for `Date`, `X-Rate-Limit-Reset`, `lastUpdated` and System Log times. */
  clock?: () => Date;
}

/** One request the server received. */
export interface OktaRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  /** The server clock when the request arrived. */
  receivedAt: Date;
}

export interface OktaServer {
  /** The org URL to give the Okta SDK, for example `http://127.0.0.1:41234`. */
  url: string;
  state: OktaState;
  /** Every request received, oldest first. */
  requestLog: OktaRequestRecord[];
  /** Counts requests, optionally only those whose path matches. */
  requestCount(path?: RegExp): number;
  faults: OktaFaultControls;
  /** Changes to the directory that also write System Log events, as Okta does. */
  mutations: Pick<
    OktaState,
    'updateUser' | 'addUser' | 'deleteUser' | 'addMember' | 'removeMember' | 'addGroup' | 'renameGroup' | 'deleteGroup'
  >;
  close(): Promise<void>;
}

/** Okta's default per-minute limit for `/api/v1/users` on small orgs; only reported, never enforced here. */
const RATE_LIMIT_PER_MINUTE = 600;

/** Starts the server and resolves once it listens. */
export async function startOktaServer(options: OktaServerOptions): Promise<OktaServer> {
  const clock = options.clock ?? (() => new Date());
  const state = new OktaState(options.directory, clock);
  const faults = new OktaFaultList();
  const requestLog: OktaRequestRecord[] = [];
  const maxPageSize = options.maxPageSize ?? 200;
  const rateWindow = { minuteStartMs: -1, requests: 0 };
  let baseUrl = '';

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent) {
        response.statusCode = 500;
      }
      response.end();
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', baseUrl);
    const now = clock();
    const record: OktaRequestRecord = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      status: 0,
      receivedAt: now,
    };
    requestLog.push(record);
    countRequest(rateWindow, now);
    const send = (status: number, body: unknown, extraHeaders: Record<string, string | string[]> = {}): void => {
      record.status = status;
      writeReply(response, { status, body, now, extraHeaders, requestsThisMinute: rateWindow.requests });
    };

    if (request.headers.authorization !== `SSWS ${options.token}`) {
      send(401, errorBody('E0000011', 'Invalid token provided'));
      return;
    }

    if (record.method !== 'GET') {
      send(405, errorBody('E0000022', 'The endpoint does not support the provided HTTP method'));
      return;
    }

    const fault = faults.take(url.pathname);
    if (fault?.kind === 'status') {
      send(fault.status, errorBody('E0000009', 'Internal Server Error'));
      return;
    }
    if (fault?.kind === 'rate-limit') {
      const reset = Math.floor(now.getTime() / 1000) + fault.resetAfterSeconds;
      send(429, errorBody('E0000047', 'API call exceeded rate limit due to too many requests.'), {
        'X-Rate-Limit-Remaining': '0',
        'X-Rate-Limit-Reset': String(reset),
      });
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }

    try {
      const page: OktaPage = routeOktaRequest({ state, url, baseUrl, maxPageSize, now });
      send(200, page.items, page.links.length > 0 ? { Link: page.links } : {});
    } catch (error) {
      if (error instanceof OktaRequestError) {
        send(error.status, error.body);
        return;
      }
      throw error;
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: baseUrl,
    state,
    requestLog,
    requestCount: (path) => requestLog.filter((entry) => path === undefined || path.test(entry.path)).length,
    faults,
    mutations: {
      updateUser: (id, changes) => state.updateUser(id, changes),
      addUser: (user) => state.addUser(user),
      deleteUser: (id) => state.deleteUser(id),
      addMember: (groupId, userId) => state.addMember(groupId, userId),
      removeMember: (groupId, userId) => state.removeMember(groupId, userId),
      addGroup: (group) => state.addGroup(group),
      renameGroup: (id, name) => state.renameGroup(id, name),
      deleteGroup: (id) => state.deleteGroup(id),
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function writeReply(
  response: ServerResponse,
  reply: { status: number; body: unknown; now: Date; extraHeaders: Record<string, string | string[]>; requestsThisMinute: number },
): void {
  const nextMinute = Math.ceil((reply.now.getTime() + 1) / 60_000) * 60;
  response.statusCode = reply.status;
  response.setHeader('Content-Type', 'application/json');
  response.setHeader('Date', reply.now.toUTCString());
  response.setHeader('X-Okta-Request-Id', randomUUID());
  response.setHeader('X-Rate-Limit-Limit', String(RATE_LIMIT_PER_MINUTE));
  response.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, RATE_LIMIT_PER_MINUTE - reply.requestsThisMinute)));
  response.setHeader('X-Rate-Limit-Reset', String(nextMinute));
  for (const [name, value] of Object.entries(reply.extraHeaders)) {
    response.setHeader(name, value);
  }
  response.end(JSON.stringify(reply.body));
}

/** Counts requests per clock minute, the window Okta's `X-Rate-Limit-Remaining` refers to. */
function countRequest(window: { minuteStartMs: number; requests: number }, now: Date): void {
  const minuteStartMs = Math.floor(now.getTime() / 60_000) * 60_000;
  if (minuteStartMs !== window.minuteStartMs) {
    window.minuteStartMs = minuteStartMs;
    window.requests = 0;
  }
  window.requests += 1;
}
