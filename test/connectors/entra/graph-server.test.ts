import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { CLIENT_ID, CLIENT_SECRET, startTestServer, TENANT_ID } from './entra-test-server.js';
import { fixturePath } from '../../support/fixtures.js';

interface Step {
  step: string;
  body: { value: Array<Record<string, unknown>> } & Record<string, unknown>;
}

/** Graph's documented delta sequences, the reference for the server's shapes. */
function loadSequence(name: 'users' | 'groups'): Step[] {
  const url = fixturePath(`microsoft-graph-docs-contrib/extracted/${name}-delta-sequence.json`);
  return (JSON.parse(readFileSync(url, 'utf8')) as { sequence: Step[] }).sequence;
}

function send(server: RunningGraphServer, method: string, url: string, options: { body?: string; token?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const outgoing = request(url, { method, headers, ca: server.caCertPem }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** Follows a delta round from `url` and returns every page body. */
async function readRound(server: RunningGraphServer, url: string, token: string): Promise<Array<Record<string, unknown>>> {
  const pages: Array<Record<string, unknown>> = [];
  let next: string | undefined = url;
  while (next !== undefined) {
    const response = await send(server, 'GET', next, { token });
    expect(response.status).toBe(200);
    pages.push(response.body);
    next = response.body['@odata.nextLink'] as string | undefined;
  }
  return pages;
}

describe('local graph server', () => {
  let server: RunningGraphServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ pageSize: 10, membersPerDeltaItem: 4 });
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: `${server.url}/.default` });
    const response = await send(server, 'POST', `${server.url}/${TENANT_ID}/oauth2/v2.0/token`, { body: form.toString() });
    expect(response.status).toBe(200);
    token = response.body.access_token as string;
  });
  afterAll(async () => {
    await server.close();
  });

  it('shapes delta pages like Graph', async () => {
    const groupSteps = loadSequence('groups');
    const pages = await readRound(server, `${server.graphBaseUrl}/groups/delta?$select=displayName,description,members`, token);

    const pageKeys = (page: Record<string, unknown>) => Object.keys(page).sort();
    expect(pageKeys(pages[0]!)).toEqual(pageKeys(groupSteps[0]!.body));
    expect(pageKeys(pages.at(-1)!)).toEqual(pageKeys(groupSteps[2]!.body));
    expect(pages[0]!['@odata.context']).toMatch(/\/v1\.0\/\$metadata#groups/);

    const fixtureItemKeys = new Set(groupSteps.flatMap((step) => step.body.value.flatMap((item) => Object.keys(item))));
    const serverItemKeys = new Set(pages.flatMap((page) => (page.value as Array<Record<string, unknown>>).flatMap((item) => Object.keys(item))));
    expect([...serverItemKeys].sort()).toEqual([...fixtureItemKeys].sort());

    const ids = pages.flatMap((page) => (page.value as Array<{ id: string }>).map((item) => item.id));
    // Groups with more than four members appear on several items, as Graph splits large groups.
    expect(new Set(ids).size).toBeLessThan(ids.length);
  });

  it('marks removals like Graph', async () => {
    const userSteps = loadSequence('users');
    const initial = await readRound(server, `${server.graphBaseUrl}/users/delta?$select=displayName,givenName,surname`, token);
    const deltaLink = initial.at(-1)!['@odata.deltaLink'] as string;
    const user = server.tenant.listUsers()[0]!;
    server.mutations.deleteUser(user.id);

    const changes = await readRound(server, deltaLink, token);

    const fixtureRemoved = userSteps.flatMap((step) => step.body.value).find((item) => '@removed' in item)!;
    const removed = (changes[0]!.value as Array<Record<string, unknown>>).find((item) => item.id === user.id);
    expect(Object.keys(removed!).sort()).toEqual(Object.keys(fixtureRemoved).sort());
    expect(removed!['@removed']).toEqual({ reason: 'changed' });
    expect(changes.at(-1)!['@odata.deltaLink']).toMatch(/\$deltatoken=/);
  });

  it('rejects a $top above its limit', async () => {
    const response = await send(server, 'GET', `${server.graphBaseUrl}/users?$top=1000`, { token });

    expect(response.status).toBe(400);
    expect((response.body.error as { code: string }).code).toBe('Request_UnsupportedQuery');
  });

  it('throttles with Retry-After on demand', async () => {
    server.faults.throttle = { remaining: 1, status: 429, retryAfterSeconds: 3 };
    const throttled = await send(server, 'GET', `${server.graphBaseUrl}/users`, { token });
    const next = await send(server, 'GET', `${server.graphBaseUrl}/users`, { token });

    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect(next.status).toBe(200);
  });

  it('rejects requests without a valid token', async () => {
    const response = await send(server, 'GET', `${server.graphBaseUrl}/users`, { token: 'forged' });

    expect(response.status).toBe(401);
    expect((response.body.error as { code: string }).code).toBe('InvalidAuthenticationToken');
  });

  it('serves OpenID metadata with loopback URLs', async () => {
    const response = await send(server, 'GET', `${server.url}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);

    expect(response.status).toBe(200);
    expect(response.body.token_endpoint).toBe(`${server.url}/${TENANT_ID}/oauth2/v2.0/token`);
  });
});
