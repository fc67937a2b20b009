import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createGroup, createUser, scim, startTestEmulator } from './helpers.js';

let emulator: RunningEmulator;
let delays: number[];

beforeEach(async () => {
  delays = [];
  emulator = await startTestEmulator({
    delay: async (milliseconds) => {
      delays.push(milliseconds);
    },
  });
});

afterEach(async () => {
  await emulator.close();
});

async function statuses(count: number, path = '/Users'): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < count; index += 1) {
    result.push((await scim(emulator, 'GET', path)).status);
  }
  return result;
}

describe('rate limit fault', () => {
  it('answers the next N requests with 429 and Retry-After', async () => {
    emulator.setFaults({ rateLimit: { next: 2, retryAfterSeconds: 7 } });
    const first = await scim(emulator, 'GET', '/Users');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.body.status).toBe('429');
    expect(await statuses(2)).toEqual([429, 200]);
  });

  it('answers every Nth request with 429', async () => {
    emulator.setFaults({ rateLimit: { everyNth: 3 } });
    const result = await statuses(6);
    expect(result).toEqual([200, 200, 429, 200, 200, 429]);
  });

  it('limits only matching paths and methods', async () => {
    emulator.setFaults({ rateLimit: { next: 10, pathPrefix: '/Groups', methods: ['POST'] } });
    expect((await scim(emulator, 'GET', '/Groups')).status).toBe(200);
    expect((await scim(emulator, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@example.com' })).status).toBe(201);
    expect((await scim(emulator, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'A' })).status).toBe(429);
  });

  it('counts throttled requests in stats', async () => {
    emulator.setFaults({ rateLimit: { next: 1 } });
    await statuses(2);
    expect(emulator.stats().total).toBe(2);
  });
});

describe('server error fault', () => {
  it('answers the next N requests with 503 by default', async () => {
    emulator.setFaults({ serverError: { next: 2, retryAfterSeconds: 3 } });
    const first = await scim(emulator, 'GET', '/Users');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(await statuses(2)).toEqual([503, 200]);
  });

  it('answers with 500 when asked', async () => {
    emulator.setFaults({ serverError: { next: 1, status: 500 } });
    expect(await statuses(2)).toEqual([500, 200]);
  });

  it('stores nothing for a write it fails', async () => {
    emulator.setFaults({ serverError: { next: 1, methods: ['POST'] } });
    const response = await scim(emulator, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@example.com' });
    expect(response.status).toBe(503);
    expect(emulator.organization().users).toEqual([]);
  });
});

describe('latency fault', () => {
  it('delays matching requests by latencyMs', async () => {
    emulator.setFaults({ latencyMs: 250, latencyScope: { pathPrefix: '/Groups' } });
    await statuses(1, '/Users');
    await statuses(2, '/Groups');
    expect(delays).toEqual([250, 250]);
  });
});

describe('omitMembersOnGet fault', () => {
  it('returns empty members on GET unless members are requested', async () => {
    const ada = await createUser(emulator, 'ada');
    const group = await createGroup(emulator, 'Eng', { members: [{ value: ada }] });
    emulator.setFaults({ omitMembersOnGet: true });

    expect((await scim(emulator, 'GET', `/Groups/${group}`)).body.members).toEqual([]);
    expect(((await scim(emulator, 'GET', '/Groups')).body.Resources as { members: unknown[] }[])[0]?.members).toEqual([]);

    const requested = await scim(emulator, 'GET', `/Groups/${group}?attributes=members`);
    expect((requested.body.members as { value: string }[]).map((member) => member.value)).toEqual([ada]);

    const filtered = await scim(emulator, 'GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${ada}"]`)}`);
    expect(filtered.body.totalResults).toBe(1);

    emulator.clearFaults();
    expect(((await scim(emulator, 'GET', `/Groups/${group}`)).body.members as unknown[]).length).toBe(1);
  });
});
