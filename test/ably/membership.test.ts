import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, InvalidObjectError } from '../../src/errors/index.js';
import { FakeScimServer, sendJson } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

interface PatchBody {
  Operations: { op: string; path?: string; value?: unknown }[];
}

function patchBodies(fake: FakeScimServer): PatchBody[] {
  return fake.requests.filter((request) => request.method === 'PATCH').map((request) => request.body as PatchBody);
}

function memberValues(fake: FakeScimServer, groupId: string): string[] {
  return ((fake.groups.get(groupId)?.members as { value: string }[] | undefined) ?? []).map((member) => member.value);
}

function seedUsers(fake: FakeScimServer, count: number): string[] {
  return Array.from({ length: count }, (_, index) => fake.seedUser(`user${index}@example.com`).id);
}

describe('group membership', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('adds members in one request under the cap', async () => {
    fake = await FakeScimServer.start();
    const ids = seedUsers(fake, 3);
    const group = fake.seedGroup('Engineers');
    const { client } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, ids);

    expect(patchBodies(fake)).toEqual([
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }] },
    ]);
    expect(memberValues(fake, group.id)).toEqual(ids);
  });

  it('splits adds above the default cap', async () => {
    fake = await FakeScimServer.start();
    const ids = Array.from({ length: 250 }, (_, index) => `u${index}`);
    const group = fake.seedGroup('Everyone');
    const { client } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, ids);

    const sizes = patchBodies(fake).map((body) => (body.Operations[0]?.value as unknown[]).length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(memberValues(fake, group.id)).toEqual(ids);
  });

  it('lowers the cap after tooMany', async () => {
    fake = await FakeScimServer.start({ maxPatchItems: 30 });
    const ids = Array.from({ length: 70 }, (_, index) => `u${index}`);
    const group = fake.seedGroup('Everyone');
    const { client, logLines } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, ids);

    const sizes = patchBodies(fake).map((body) => (body.Operations[0]?.value as unknown[]).length);
    // 100 is rejected, then 70 (all that is left), then 35; 17 fits.
    expect(sizes).toEqual([70, 35, 17, 17, 17, 17, 2]);
    expect(memberValues(fake, group.id)).toEqual(ids);
    expect(client.requestStats().maxPatchOperations).toBe(17);
    expect((await client.discover()).maxPatchOperations).toBe(17);
    expect(logLines.filter((line) => line.includes('SCIM PATCH too large'))).toHaveLength(2);
  });

  it('keeps the lowered cap for later requests', async () => {
    fake = await FakeScimServer.start({ maxPatchItems: 10 });
    const group = fake.seedGroup('Everyone');
    const { client } = createTestClient(fake.baseUrl);
    await client.addGroupMembers(group.id, Array.from({ length: 20 }, (_, index) => `a${index}`));
    const before = patchBodies(fake).length;

    await client.removeGroupMembers(group.id, Array.from({ length: 20 }, (_, index) => `a${index}`));

    // The add was rejected at 20 and went through at 10; the removal starts at 10.
    const removals = patchBodies(fake).slice(before);
    expect(removals.map((body) => body.Operations.length)).toEqual([10, 10]);
    expect(client.requestStats().byStatus[400]).toBe(1);
    expect(memberValues(fake, group.id)).toEqual([]);
  });

  it('stops when one item is too many', async () => {
    fake = await FakeScimServer.start({ maxPatchItems: 0 });
    const group = fake.seedGroup('Everyone');
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.addGroupMembers(group.id, ['u1', 'u2']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidObjectError);
    expect((error as InvalidObjectError).scimType).toBe('tooMany');
  });

  it('removes each member by value filter', async () => {
    fake = await FakeScimServer.start();
    const ids = seedUsers(fake, 4);
    const group = fake.seedGroup('Engineers', ids);
    const { client } = createTestClient(fake.baseUrl);

    await client.removeGroupMembers(group.id, [ids[0] as string, ids[2] as string]);

    const operations = patchBodies(fake).flatMap((body) => body.Operations);
    expect(operations).toEqual([
      { op: 'remove', path: `members[value eq "${ids[0]}"]` },
      { op: 'remove', path: `members[value eq "${ids[2]}"]` },
    ]);
    expect(operations.some((operation) => operation.path === 'members')).toBe(false);
    expect(memberValues(fake, group.id)).toEqual([ids[1], ids[3]]);
  });

  it('retries removal without absent members', async () => {
    fake = await FakeScimServer.start({ rejectRemoveOfNonMember: true });
    const ids = seedUsers(fake, 3);
    const group = fake.seedGroup('Engineers', ids);
    const { client } = createTestClient(fake.baseUrl);

    await client.removeGroupMembers(group.id, [ids[0] as string, 'not-a-member', ids[2] as string]);

    expect(memberValues(fake, group.id)).toEqual([ids[1]]);
    const operations = patchBodies(fake).map((body) => body.Operations.map((operation) => operation.path));
    expect(operations).toEqual([
      [`members[value eq "${ids[0]}"]`, 'members[value eq "not-a-member"]', `members[value eq "${ids[2]}"]`],
      [`members[value eq "${ids[0]}"]`, `members[value eq "${ids[2]}"]`],
    ]);
  });

  it('finishes when no member remains', async () => {
    fake = await FakeScimServer.start({ rejectRemoveOfNonMember: true });
    const group = fake.seedGroup('Engineers', ['u1']);
    const { client } = createTestClient(fake.baseUrl);

    await client.removeGroupMembers(group.id, ['gone']);

    expect(patchBodies(fake)).toHaveLength(1);
    expect(memberValues(fake, group.id)).toEqual(['u1']);
  });

  it('escapes quotes in member ids', async () => {
    fake = await FakeScimServer.start();
    const group = fake.seedGroup('Odd', ['id"with\\quote']);
    const { client } = createTestClient(fake.baseUrl);

    await client.removeGroupMembers(group.id, ['id"with\\quote']);

    expect(patchBodies(fake)[0]?.Operations[0]?.path).toBe('members[value eq "id\\"with\\\\quote"]');
    expect(memberValues(fake, group.id)).toEqual([]);
  });

  it('sends nothing for empty lists', async () => {
    fake = await FakeScimServer.start();
    const group = fake.seedGroup('Engineers');
    const { client } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, []);
    await client.removeGroupMembers(group.id, []);

    expect(fake.resourceRequests()).toHaveLength(0);
  });

  it('keeps nested groups on PUT', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const ids = seedUsers(fake, 2);
    const group = fake.seedGroup('Parent');
    group.members = [
      { value: 'child-group', type: 'Group', display: 'Child' },
      { value: ids[0], type: 'User' },
    ];
    const { client } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, [ids[1] as string]);
    await client.removeGroupMembers(group.id, [ids[0] as string]);

    expect(fake.groups.get(group.id)?.members).toEqual([
      { value: 'child-group', type: 'Group', display: 'Child' },
      { value: ids[1] },
    ]);
    expect((await client.getGroup(group.id)).memberIds).toEqual([ids[1]]);
  });

  it('rejects malformed confirmed members', async () => {
    fake = await FakeScimServer.start();
    const group = fake.seedGroup('Broken');
    fake.interceptors.push((request, response) => {
      if (request.query.get('attributes') !== 'members') {
        return false;
      }
      sendJson(response, 200, { id: group.id, members: [{ display: 'no value' }] });
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.listGroupMemberIds(group.id).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain(`GET /Groups/${group.id} returned HTTP 200 with a body that is not a SCIM members array`);
  });

  it('adds and removes with PUT without PATCH', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const ids = seedUsers(fake, 3);
    const group = fake.seedGroup('Engineers', [ids[0] as string]);
    const { client } = createTestClient(fake.baseUrl);

    await client.addGroupMembers(group.id, [ids[1] as string, ids[0] as string]);
    await client.removeGroupMembers(group.id, [ids[0] as string]);

    expect(memberValues(fake, group.id)).toEqual([ids[1]]);
    expect(patchBodies(fake)).toHaveLength(0);
    expect(fake.requests.filter((request) => request.method === 'PUT').every((request) => request.headers['if-match'] !== undefined)).toBe(true);
  });
});
