import { afterEach, describe, expect, it } from 'vitest';
import { startOktaServer, type OktaServer } from '../../../src/sandbox/okta-server.js';
import { createSampleDirectory } from '../../../src/sandbox/sample-directory.js';
import { manualClock } from './harness.js';

const TOKEN = 'local-server-token';
const AUTH = { Authorization: `SSWS ${TOKEN}` };

let server: OktaServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: { userCount?: number; maxPageSize?: number } = {}): Promise<{ server: OktaServer; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock();
  server = await startOktaServer({
    directory: createSampleDirectory({ userCount: options.userCount ?? 12, groupCount: 2 }),
    token: TOKEN,
    clock: clock.now,
    maxPageSize: options.maxPageSize,
  });
  return { server, clock };
}

async function getJson(url: string, headers: Record<string, string> = AUTH): Promise<{ response: Response; body: unknown }> {
  const response = await fetch(url, { headers });
  return { response, body: await response.json() };
}

describe('local okta server', () => {
  it('rejects a missing token with E0000011', async () => {
    const { server: okta } = await start();

    const { response, body } = await getJson(`${okta.url}/api/v1/users`, {});

    expect(response.status).toBe(401);
    expect(body).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorLink: 'E0000011', errorCauses: [] });
  });

  it('rejects an unsupported search with E0000031', async () => {
    const { server: okta } = await start();

    const { response, body } = await getJson(`${okta.url}/api/v1/users?search=${encodeURIComponent('profile.city ne "Paris"')}`);

    expect(response.status).toBe(400);
    expect(body).toMatchObject({ errorCode: 'E0000031', errorSummary: 'Invalid search criteria.' });
  });

  it('sends rate limit and Date headers', async () => {
    const { server: okta, clock } = await start();

    const { response } = await getJson(`${okta.url}/api/v1/groups`);

    expect(response.headers.get('date')).toBe(clock.now().toUTCString());
    expect(response.headers.get('x-rate-limit-limit')).toBe('600');
    expect(response.headers.get('x-rate-limit-remaining')).toBe('599');
    expect(Number(response.headers.get('x-rate-limit-reset'))).toBeGreaterThan(clock.now().getTime() / 1000);
  });

  it('pages with absolute Link headers', async () => {
    const { server: okta } = await start({ userCount: 12, maxPageSize: 5 });

    const first = await getJson(`${okta.url}/api/v1/users?search=${encodeURIComponent('lastUpdated gt "2000-01-01T00:00:00.000Z"')}&limit=50`);
    const links = first.response.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel="next"/.exec(links)?.[1] ?? '';
    const second = await getJson(next);

    expect(first.body).toHaveLength(5);
    expect(links).toContain(`<${okta.url}/api/v1/users?`);
    expect(links).toContain('rel="self"');
    expect(next.startsWith(`${okta.url}/api/v1/users?`)).toBe(true);
    expect(new URL(next).searchParams.get('limit')).toBe('5');
    const lastOfFirst = (first.body as { id: string }[])[4]?.id ?? '';
    const firstOfSecond = (second.body as { id: string }[])[0]?.id ?? '';
    expect(firstOfSecond > lastOfFirst).toBe(true);
  });

  it('always links next when polling the log', async () => {
    const { server: okta } = await start();

    const { response, body } = await getJson(`${okta.url}/api/v1/logs?since=${encodeURIComponent('2026-03-02T09:00:00.000Z')}`);

    expect(body).toEqual([]);
    expect(response.headers.get('link')).toContain('rel="next"');
  });

  it('writes log events for mutations', async () => {
    const { server: okta } = await start();
    const [group] = okta.state.groups.values();
    const userId = okta.state.members.get(group?.id ?? '')?.[0] ?? '';
    okta.mutations.removeMember(group?.id ?? '', userId);
    okta.mutations.deleteUser(userId);

    const { body } = await getJson(`${okta.url}/api/v1/logs?since=${encodeURIComponent('2026-03-02T09:00:00.000Z')}`);
    const events = body as { eventType: string; target: { id: string; type: string }[] }[];

    expect(events.map((event) => event.eventType)).toEqual([
      'group.user_membership.remove',
      'user.lifecycle.deactivate',
      'user.lifecycle.delete.initiated',
    ]);
    expect(events[0]?.target.map((target) => target.type)).toEqual(['User', 'UserGroup']);
    expect(okta.state.users.has(userId)).toBe(false);
  });

  it('mirrors mutations into the directory', async () => {
    const clock = manualClock();
    const directory = createSampleDirectory({ userCount: 6, groupCount: 2 });
    server = await startOktaServer({ directory, token: TOKEN, clock: clock.now });
    const [first, second] = directory.users;
    const groupId = directory.groups[0]?.id ?? '';

    server.mutations.updateUser(first?.id ?? '', { email: 'moved@example.com' });
    server.mutations.addMember(groupId, second?.id ?? '');
    server.mutations.deleteUser(second?.id ?? '');

    expect(directory.users.find((user) => user.id === first?.id)?.email).toBe('moved@example.com');
    expect(directory.users.find((user) => user.id === first?.id)?.lastUpdated).toBe(clock.now().toISOString());
    expect(directory.users.some((user) => user.id === second?.id)).toBe(false);
    expect(directory.groups.flatMap((group) => group.memberIds)).not.toContain(second?.id);
  });

  it('rejects writes over HTTP', async () => {
    const { server: okta } = await start();

    const response = await fetch(`${okta.url}/api/v1/users`, { method: 'POST', headers: AUTH, body: '{}' });
    const body = (await response.json()) as { errorCode: string };

    expect(response.status).toBe(405);
    expect(body.errorCode).toBe('E0000022');
    expect(okta.state.users.size).toBe(12);
  });

  it('answers 404 for an unknown group', async () => {
    const { server: okta } = await start();

    const { response, body } = await getJson(`${okta.url}/api/v1/groups/00gMissing/users`);

    expect(response.status).toBe(404);
    expect(body).toMatchObject({ errorCode: 'E0000007' });
  });

  it('counts requests by path', async () => {
    const { server: okta } = await start();

    await getJson(`${okta.url}/api/v1/groups`);
    await getJson(`${okta.url}/api/v1/users`);
    await getJson(`${okta.url}/api/v1/users`);

    expect(okta.requestCount()).toBe(3);
    expect(okta.requestCount(/^\/api\/v1\/users$/)).toBe(2);
  });
});
