import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/config/secret.js';
import type { DesiredUser } from '../../src/domain/operations.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ConflictError, FatalError, InvalidObjectError, NotFoundError, TransientError } from '../../src/errors/index.js';
import { createTestClient } from './support/client.js';

const credentials = { username: 'scim', password: 'emulator-secret' };

function desiredUser(name: string, extra: Partial<DesiredUser> = {}): DesiredUser {
  return { externalId: `00u-${name}`, userName: `${name}@example.com`, givenName: name, familyName: 'Tester', active: true, ...extra };
}

async function start(roleExtension = true): Promise<RunningEmulator> {
  return startEmulator({
    domain: 'example.com',
    accounts: [
      { id: 'acc-prod', name: 'Production' },
      { id: 'acc-dev', name: 'Development' },
    ],
    primaryAccount: 'acc-prod',
    credentials,
    roleExtension,
  });
}

function clientFor(emulator: RunningEmulator, overrides: Parameters<typeof createTestClient>[1] = {}) {
  return createTestClient(emulator.scimBaseUrl, {
    username: new Secret(credentials.username),
    password: new Secret(credentials.password),
    ...overrides,
  });
}

describe('client against the emulator', () => {
  let emulator: RunningEmulator;

  beforeEach(async () => {
    emulator = await start();
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('discovers the emulator', async () => {
    const { client } = clientFor(emulator);

    const capabilities = await client.discover();

    expect(capabilities).toMatchObject({ patch: true, filter: true, etag: true, bulk: false, hasRoleExtension: true });
  });

  it('finds many users by externalId in batches', async () => {
    const { client } = clientFor(emulator);
    const names = Array.from({ length: 120 }, (_, index) => `user${index}`);
    for (const name of names) {
      await client.createUser(desiredUser(name));
    }
    emulator.resetStats();

    const wanted = [...names.slice(0, 110).map((name) => `00u-${name}`), '00u-nobody'];
    const found = await client.findUsersByExternalIds(wanted);

    expect(found.size).toBe(110);
    expect(found.get('00u-user7')?.userName).toBe('user7@example.com');
    expect(found.has('00u-nobody')).toBe(false);
    expect(found.has('00u-user115')).toBe(false);
    // 111 ids at 50 per filter: three searches, not one per id.
    expect(emulator.stats().total).toBe(3);
  });

  it('provisions users and reads them back', async () => {
    const { client } = clientFor(emulator);

    const ada = await client.createUser(desiredUser('ada', { displayName: 'Ada Tester' }));
    await client.createUser(desiredUser('bob'));
    const snapshot = await client.readOrganization();

    expect(snapshot.users.map((user) => user.userName).sort()).toEqual(['ada@example.com', 'bob@example.com']);
    expect(await client.findUserByUserName('ADA@example.com')).toMatchObject({ id: ada.id, externalId: '00u-ada' });
    expect(await client.findUserByExternalId('00u-bob')).toMatchObject({ userName: 'bob@example.com' });
    expect(await client.getUser(ada.id)).toMatchObject({ givenName: 'ada', displayName: 'Ada Tester', email: 'ada@example.com' });
  });

  it.each([
    'ada+sync@example.com',
    'a&b=c@example.com',
    "o'brien@example.com",
    '100%real@example.com',
    'say"hi"@example.com',
    'back\\slash@example.com',
  ])('finds %s by userName', async (userName) => {
    const { client } = clientFor(emulator);
    await client.createUser(desiredUser('decoy'));
    const created = await client.createUser({ externalId: `x-${userName}`, userName, active: true });

    const found = await client.findUserByUserName(userName.toUpperCase());

    expect(found?.id).toBe(created.id);
  });

  it('rejects a duplicate and a foreign domain', async () => {
    const { client } = clientFor(emulator);
    await client.createUser(desiredUser('ada'));

    const duplicate = await client.createUser(desiredUser('ADA')).catch((error: unknown) => error);
    const foreign = await client
      .createUser({ externalId: 'x', userName: 'eve@other.org', active: true })
      .catch((error: unknown) => error);

    expect(duplicate).toBeInstanceOf(ConflictError);
    expect(foreign).toBeInstanceOf(InvalidObjectError);
    expect((foreign as InvalidObjectError).scimType).toBe('invalidValue');
  });

  it('updates, deactivates and deletes a user', async () => {
    const { client } = clientFor(emulator);
    const ada = await client.createUser(desiredUser('ada'));

    const renamed = await client.updateUser(ada.id, desiredUser('ada.l', { externalId: '00u-ada', familyName: 'Lovelace' }));
    await client.setUserActive(ada.id, false);
    const inactive = await client.getUser(ada.id);
    await client.deleteUser(ada.id);

    expect(renamed).toMatchObject({ userName: 'ada.l@example.com', familyName: 'Lovelace', email: 'ada.l@example.com' });
    expect(inactive.active).toBe(false);
    await expect(client.getUser(ada.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.deleteUser(ada.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('manages groups, members and account access', async () => {
    const { client } = clientFor(emulator);
    const users = [];
    for (const name of ['ada', 'bob', 'cy']) {
      users.push(await client.createUser(desiredUser(name)));
    }
    const ids = users.map((user) => user.id);

    const group = await client.createGroup({ externalId: '00g-eng', displayName: 'Engineers' });
    await client.addGroupMembers(group.id, ids);
    await client.removeGroupMembers(group.id, [ids[1] as string]);
    await client.setGroupAccountAccess(group.id, [{ accountId: 'acc-dev', roles: ['Admin'] }]);
    await client.updateGroup(group.id, { externalId: '00g-eng', displayName: 'Engineering' });

    const read = await client.getGroup(group.id);
    expect(read.displayName).toBe('Engineering');
    expect(read.memberIds.sort()).toEqual([ids[0], ids[2]].sort());
    expect(read.accountAccess).toEqual([{ accountId: 'acc-dev', roles: ['Admin'] }]);
    const view = emulator.organization();
    const ada = view.users.find((user) => user.id === ids[0]);
    expect(ada?.roles['acc-dev']?.inherited).toEqual(['Admin']);
    expect((await client.findGroupByDisplayName('engineering'))?.id).toBe(group.id);
    expect((await client.findGroupByExternalId('00g-eng'))?.id).toBe(group.id);

    await client.setGroupAccountAccess(group.id, []);
    expect((await client.getGroup(group.id)).accountAccess).toEqual([]);
    await client.deleteGroup(group.id);
    expect((await client.readOrganization()).groups).toEqual([]);
  });

  it('rejects an Owner link from the emulator', async () => {
    const { client } = clientFor(emulator);
    const group = await client.createGroup({ externalId: '00g-x', displayName: 'X' });

    // AccountRole excludes Owner, so the cast imitates a caller that bypasses the type.
    const error = await client
      .setGroupAccountAccess(group.id, [{ accountId: 'acc-prod', roles: ['Owner' as 'Admin'] }])
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidObjectError);
  });

  it('pages under a maxResults cap', async () => {
    emulator.setFaults({ maxResults: 3 });
    const { client } = clientFor(emulator);
    for (let index = 0; index < 8; index += 1) {
      await client.createUser(desiredUser(`user${index}`));
    }

    const snapshot = await client.readOrganization();

    expect(snapshot.capabilities.maxResults).toBe(3);
    expect(snapshot.users).toHaveLength(8);
    expect(new Set(snapshot.users.map((user) => user.id)).size).toBe(8);
  });

  it('splits removals under a PATCH cap', async () => {
    const { client } = clientFor(emulator);
    const ids = [];
    for (let index = 0; index < 9; index += 1) {
      ids.push((await client.createUser(desiredUser(`user${index}`))).id);
    }
    const group = await client.createGroup({ externalId: '00g-all', displayName: 'All' });
    await client.addGroupMembers(group.id, ids);
    emulator.setFaults({ maxPatchOperations: 4 });

    await client.removeGroupMembers(group.id, ids.slice(0, 7));

    expect((await client.getGroup(group.id)).memberIds.sort()).toEqual(ids.slice(7).sort());
    expect(client.requestStats().maxPatchOperations).toBeLessThanOrEqual(4);
  });

  it('distrusts empty members on GET', async () => {
    const { client } = clientFor(emulator);
    const ada = await client.createUser(desiredUser('ada'));
    const group = await client.createGroup({ externalId: '00g-1', displayName: 'One' });
    await client.addGroupMembers(group.id, [ada.id]);
    emulator.setFaults({ omitMembersOnGet: true });

    const snapshot = await client.readOrganization();

    expect(snapshot.groups[0]?.memberIds).toEqual([ada.id]);
    expect(await client.listGroupMemberIds(group.id)).toEqual([ada.id]);
  });

  it('retries through 429 and 503', async () => {
    const { client, delays } = clientFor(emulator, { maxRetries: 4 });
    await client.discover();
    emulator.setFaults({ rateLimit: { next: 2, retryAfterSeconds: 3 } });

    await client.createUser(desiredUser('ada'));
    emulator.setFaults({ serverError: { next: 1, status: 503 } });
    const found = await client.findUserByUserName('ada@example.com');

    expect(found?.userName).toBe('ada@example.com');
    expect(delays.slice(0, 2)).toEqual([3000, 3000]);
    expect(delays).toHaveLength(3);
    expect(client.requestStats().throttled).toBe(2);
  });

  it('times out under latency', async () => {
    const { client } = clientFor(emulator, { requestTimeoutMs: 100, maxRetries: 1 });
    await client.discover();
    emulator.setFaults({ latencyMs: 400, latencyScope: { pathPrefix: '/Users' } });

    const error = await client.findUserByUserName('ada@example.com').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain('timed out after 100 ms');
    expect(client.requestStats().retries).toBe(1);
  });

  it('reports wrong credentials as fatal', async () => {
    const { client } = clientFor(emulator, { password: new Secret('not-the-password') });

    const error = await client.discover().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).not.toContain('not-the-password');
  });
});

describe('client against an emulator without the role extension', () => {
  it('reports the extension missing', async () => {
    const emulator = await start(false);
    try {
      const { client } = clientFor(emulator);
      const group = await client.createGroup({ externalId: '00g-1', displayName: 'One' });

      expect((await client.discover()).hasRoleExtension).toBe(false);
      await expect(client.setGroupAccountAccess(group.id, [])).rejects.toBeInstanceOf(FatalError);
      expect((await client.getGroup(group.id)).accountAccess).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
