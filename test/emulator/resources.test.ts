import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createGroup, createUser, ERROR_SCHEMA, GROUP_SCHEMA, memberIds, patchBody, scim, startTestEmulator, USER_SCHEMA } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startTestEmulator();
});

afterEach(async () => {
  await emulator.close();
});

describe('Users', () => {
  it('creates, reads, replaces and deletes a user', async () => {
    const created = await scim(emulator, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'Ada.Lovelace@Example.com',
      externalId: '00u1',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada.lovelace@example.com', type: 'work', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/scim+json');
    const id = created.body.id as string;
    const meta = created.body.meta as Record<string, string>;
    expect(meta.resourceType).toBe('User');
    expect(meta.location).toBe(`${emulator.scimBaseUrl}/Users/${id}`);
    expect(created.headers.get('location')).toBe(meta.location);
    expect(created.headers.get('etag')).toBe(meta.version);

    const read = await scim(emulator, 'GET', `/Users/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.userName).toBe('Ada.Lovelace@Example.com');
    expect(read.body.externalId).toBe('00u1');

    const replaced = await scim(emulator, 'PUT', `/Users/${id}`, {
      schemas: [USER_SCHEMA],
      userName: 'ada.lovelace@example.com',
      externalId: '00u1',
      name: { givenName: 'Augusta', familyName: 'Lovelace' },
      active: false,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toEqual({ givenName: 'Augusta', familyName: 'Lovelace' });
    expect(replaced.body.emails).toBeUndefined();
    expect(replaced.body.active).toBe(false);
    expect((replaced.body.meta as Record<string, string>).version).not.toBe(meta.version);

    const deleted = await scim(emulator, 'DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    const gone = await scim(emulator, 'GET', `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.schemas).toEqual([ERROR_SCHEMA]);
    expect(gone.body.status).toBe('404');
  });

  it('rejects a duplicate userName case-insensitively', async () => {
    await createUser(emulator, 'grace');
    const duplicate = await scim(emulator, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'GRACE@example.com' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.scimType).toBe('uniqueness');
    expect(emulator.organization().users).toHaveLength(1);
  });

  it('finds a user with a userName eq filter', async () => {
    await createUser(emulator, 'alan');
    const id = await createUser(emulator, 'edsger');
    const found = await scim(emulator, 'GET', `/Users?filter=${encodeURIComponent('userName eq "EDSGER@example.com"')}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect((found.body.Resources as { id: string }[])[0]?.id).toBe(id);
  });

  it('pages a list with startIndex and count', async () => {
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) await createUser(emulator, name);
    const page = await scim(emulator, 'GET', '/Users?startIndex=2&count=2&sortBy=userName');
    expect(page.body.totalResults).toBe(5);
    expect(page.body.startIndex).toBe(2);
    expect(page.body.itemsPerPage).toBe(2);
    expect((page.body.Resources as { userName: string }[]).map((user) => user.userName)).toEqual(['u2@example.com', 'u3@example.com']);
    const last = await scim(emulator, 'GET', '/Users?startIndex=5&count=10');
    expect(last.body.itemsPerPage).toBe(1);
    const countOnly = await scim(emulator, 'GET', '/Users?count=0');
    expect(countOnly.body.totalResults).toBe(5);
    expect(countOnly.body.Resources).toEqual([]);
  });
});

describe('domain rule', () => {
  const foreign: [string, Record<string, unknown>][] = [
    ['foreign userName', { userName: 'eve@evil.example.org' }],
    ['suffix match', { userName: 'eve@notexample.com' }],
    ['subdomain', { userName: 'eve@sub.example.com' }],
    ['userName without a domain', { userName: 'eve' }],
    ['foreign email', { userName: 'eve@example.com', emails: [{ value: 'eve@gmail.example.org', type: 'home' }] }],
  ];
  for (const [name, attributes] of foreign) {
    it(`rejects a ${name} and stores nothing`, async () => {
      const response = await scim(emulator, 'POST', '/Users', { schemas: [USER_SCHEMA], ...attributes });
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(emulator.organization().users).toEqual([]);
    });
  }

  it('accepts the registered domain in any case', async () => {
    const response = await scim(emulator, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'Eve@EXAMPLE.COM' });
    expect(response.status).toBe(201);
  });

  it('accepts subdomains only when configured', async () => {
    const withSubdomains = await startTestEmulator({ allowSubdomains: true });
    try {
      const response = await scim(withSubdomains, 'POST', '/Users', { schemas: [USER_SCHEMA], userName: 'eve@eu.example.com' });
      expect(response.status).toBe(201);
    } finally {
      await withSubdomains.close();
    }
  });

  it('applies to changes too', async () => {
    const id = await createUser(emulator, 'frances');
    const patched = await scim(emulator, 'PATCH', `/Users/${id}`, patchBody({ op: 'replace', path: 'userName', value: 'frances@elsewhere.example.net' }));
    expect(patched.status).toBe(400);
    expect(patched.body.scimType).toBe('invalidValue');
    const read = await scim(emulator, 'GET', `/Users/${id}`);
    expect(read.body.userName).toBe('frances@example.com');
  });
});

describe('Groups', () => {
  it('creates a group, adds and removes members with PATCH', async () => {
    const ada = await createUser(emulator, 'ada');
    const alan = await createUser(emulator, 'alan');
    const group = await createGroup(emulator, 'Engineering');

    const added = await scim(emulator, 'PATCH', `/Groups/${group}`, patchBody({ op: 'add', path: 'members', value: [{ value: ada }, { value: alan }] }));
    expect(added.status).toBe(200);
    expect(await memberIds(emulator, group)).toEqual([ada, alan].sort());

    const removed = await scim(emulator, 'PATCH', `/Groups/${group}`, patchBody({ op: 'remove', path: `members[value eq "${ada}"]` }));
    expect(removed.status).toBe(200);
    expect(await memberIds(emulator, group)).toEqual([alan]);
  });

  it('rejects a duplicate displayName', async () => {
    await createGroup(emulator, 'Platform');
    const duplicate = await scim(emulator, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'platform' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.scimType).toBe('uniqueness');
  });

  it('drops a deleted user from its groups', async () => {
    const ada = await createUser(emulator, 'ada');
    const group = await createGroup(emulator, 'Data', { members: [{ value: ada }] });
    await scim(emulator, 'DELETE', `/Users/${ada}`);
    expect(await memberIds(emulator, group)).toEqual([]);
  });
});

describe('stats', () => {
  it('counts SCIM reads and writes by method', async () => {
    const id = await createUser(emulator, 'ken');
    await scim(emulator, 'GET', `/Users/${id}`);
    await scim(emulator, 'POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] });
    await scim(emulator, 'PATCH', `/Users/${id}`, patchBody({ op: 'replace', path: 'active', value: false }));
    expect(emulator.stats()).toEqual({ total: 4, reads: 2, writes: 2, byMethod: { POST: 2, GET: 1, PATCH: 1 } });
    emulator.resetStats();
    expect(emulator.stats().total).toBe(0);
  });
});
