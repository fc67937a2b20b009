import { afterEach, describe, expect, it } from 'vitest';
import type { DesiredUser } from '../../src/domain/operations.js';
import { ConflictError, FatalError, InvalidObjectError, NotFoundError } from '../../src/errors/index.js';
import { FakeScimServer, ROLE_EXTENSION_URN, type RecordedRequest } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

const ada: DesiredUser = {
  externalId: '00u-ada',
  userName: 'ada@example.com',
  givenName: 'Ada',
  familyName: 'Lovelace',
  displayName: 'Ada Lovelace',
  active: true,
};

interface PatchBody {
  schemas: string[];
  Operations: { op: string; path?: string; value?: unknown }[];
}

function patchBodies(fake: FakeScimServer): PatchBody[] {
  return fake.requests.filter((request) => request.method === 'PATCH').map((request) => request.body as PatchBody);
}

function lastWrite(fake: FakeScimServer, method: string): RecordedRequest | undefined {
  return fake.requests.filter((request) => request.method === method).at(-1);
}

describe('user writes', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('creates a user with the owned attributes', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    const created = await client.createUser(ada);

    const post = lastWrite(fake, 'POST');
    expect(post?.headers['content-type']).toBe('application/scim+json');
    expect(post?.headers.accept).toContain('application/scim+json');
    expect(post?.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@example.com',
      externalId: '00u-ada',
      active: true,
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
    });
    expect(created).toMatchObject({ userName: 'ada@example.com', externalId: '00u-ada', active: true });
    expect(fake.users.has(created.id)).toBe(true);
  });

  it('omits absent name parts on create', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    await client.createUser({ externalId: 'x1', userName: 'x@example.com', active: true });

    const body = lastWrite(fake, 'POST')?.body as Record<string, unknown>;
    expect(body.name).toBeUndefined();
    expect(body.displayName).toBeUndefined();
  });

  it('throws ConflictError on duplicate userName', async () => {
    fake = await FakeScimServer.start();
    fake.seedUser('ADA@example.com');
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.createUser(ada).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConflictError);
  });

  it('updates a user with PATCH replace', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('old@example.com');
    const { client } = createTestClient(fake.baseUrl);

    const updated = await client.updateUser(seeded.id, ada);

    const [body] = patchBodies(fake);
    expect(body?.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:PatchOp']);
    expect(body?.Operations).toEqual([
      { op: 'replace', path: 'userName', value: 'ada@example.com' },
      { op: 'replace', path: 'externalId', value: '00u-ada' },
      { op: 'replace', path: 'active', value: true },
      { op: 'replace', path: 'emails', value: [{ value: 'ada@example.com', type: 'work', primary: true }] },
      { op: 'replace', path: 'displayName', value: 'Ada Lovelace' },
      { op: 'replace', path: 'name.givenName', value: 'Ada' },
      { op: 'replace', path: 'name.familyName', value: 'Lovelace' },
    ]);
    expect(updated).toMatchObject({ userName: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace' });
  });

  it('updates a user with GET and PUT', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const seeded = fake.seedUser('old@example.com', { title: 'Engineer', name: { givenName: 'Old', middleName: 'M' } });
    const version = (seeded.meta as { version: string }).version;
    const { client } = createTestClient(fake.baseUrl);

    const updated = await client.updateUser(seeded.id, ada);

    const put = lastWrite(fake, 'PUT');
    expect(put?.headers['if-match']).toBe(version);
    expect(put?.body).toMatchObject({
      id: seeded.id,
      userName: 'ada@example.com',
      externalId: '00u-ada',
      title: 'Engineer',
      name: { givenName: 'Ada', familyName: 'Lovelace', middleName: 'M' },
    });
    expect((put?.body as Record<string, unknown>).meta).toBeUndefined();
    expect(updated.userName).toBe('ada@example.com');
    expect(patchBodies(fake)).toHaveLength(0);
  });

  it('sends no If-Match without ETag support', async () => {
    fake = await FakeScimServer.start({ patch: false, etag: false });
    const seeded = fake.seedUser('old@example.com');
    const { client } = createTestClient(fake.baseUrl);

    await client.setUserActive(seeded.id, false);

    expect(lastWrite(fake, 'PUT')?.headers['if-match']).toBeUndefined();
    expect(fake.users.get(seeded.id)?.active).toBe(false);
  });

  it('reads again after a 412', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const seeded = fake.seedUser('old@example.com');
    fake.failNext(1, 412, { match: (request) => request.method === 'PUT' });
    const { client } = createTestClient(fake.baseUrl);

    await client.updateUser(seeded.id, ada);

    const methods = fake.resourceRequests().map((request) => request.method);
    expect(methods).toEqual(['GET', 'PUT', 'GET', 'PUT']);
    expect(fake.users.get(seeded.id)?.userName).toBe('ada@example.com');
  });

  it('gives up after repeated 412', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const seeded = fake.seedUser('old@example.com');
    fake.failNext(10, 412, { match: (request) => request.method === 'PUT' });
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.updateUser(seeded.id, ada).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidObjectError);
    expect(fake.requests.filter((request) => request.method === 'PUT')).toHaveLength(3);
  });

  it('sets active with one PATCH', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('ada@example.com');
    const { client } = createTestClient(fake.baseUrl);

    await client.setUserActive(seeded.id, false);

    expect(patchBodies(fake)[0]?.Operations).toEqual([{ op: 'replace', path: 'active', value: false }]);
    expect(fake.users.get(seeded.id)?.active).toBe(false);
  });

  it('deletes a user and reports a missing one', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('ada@example.com');
    const { client } = createTestClient(fake.baseUrl);

    await client.deleteUser(seeded.id);
    const error = await client.deleteUser(seeded.id).catch((caught: unknown) => caught);

    expect(fake.users.has(seeded.id)).toBe(false);
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe('group writes', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('creates, renames and deletes a group', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    const created = await client.createGroup({ externalId: '00g1', displayName: 'Engineers' });
    await client.updateGroup(created.id, { externalId: '00g1', displayName: 'Engineering' });
    const renamed = await client.getGroup(created.id);
    await client.deleteGroup(created.id);

    expect(lastWrite(fake, 'POST')?.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineers',
      externalId: '00g1',
    });
    expect(patchBodies(fake)[0]?.Operations).toEqual([
      { op: 'replace', path: 'displayName', value: 'Engineering' },
      { op: 'replace', path: 'externalId', value: '00g1' },
    ]);
    expect(renamed.displayName).toBe('Engineering');
    expect(fake.groups.size).toBe(0);
  });

  it('renames a group with PUT and keeps members', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const user = fake.seedUser('ada@example.com');
    const group = fake.seedGroup('Engineers', [user.id]);
    const { client } = createTestClient(fake.baseUrl);

    await client.updateGroup(group.id, { externalId: '00g1', displayName: 'Engineering' });

    expect(fake.groups.get(group.id)).toMatchObject({ displayName: 'Engineering', externalId: '00g1' });
    expect(fake.groups.get(group.id)?.members).toEqual([{ value: user.id, type: 'User' }]);
  });

  it('replaces account access through the extension path', async () => {
    fake = await FakeScimServer.start();
    const group = fake.seedGroup('Admins');
    const { client } = createTestClient(fake.baseUrl);

    await client.setGroupAccountAccess(group.id, [
      { accountId: 'acc-prod', roles: ['Admin'] },
      { accountId: 'acc-dev', roles: ['Developer', 'Billing'] },
    ]);
    const read = await client.getGroup(group.id);

    expect(patchBodies(fake)[0]?.Operations).toEqual([
      {
        op: 'replace',
        path: `${ROLE_EXTENSION_URN}:accounts`,
        value: [
          { value: 'acc-prod', roles: ['Admin'] },
          { value: 'acc-dev', roles: ['Developer', 'Billing'] },
        ],
      },
    ]);
    expect(read.accountAccess).toEqual([
      { accountId: 'acc-prod', roles: ['Admin'] },
      { accountId: 'acc-dev', roles: ['Developer', 'Billing'] },
    ]);
  });

  it('replaces account access with PUT', async () => {
    fake = await FakeScimServer.start({ patch: false });
    const group = fake.seedGroup('Admins');
    const { client } = createTestClient(fake.baseUrl);

    await client.setGroupAccountAccess(group.id, [{ accountId: 'acc-prod', roles: ['Admin'] }]);

    const stored = fake.groups.get(group.id);
    expect(stored?.schemas).toContain(ROLE_EXTENSION_URN);
    expect(stored?.[ROLE_EXTENSION_URN]).toEqual({ accounts: [{ value: 'acc-prod', roles: ['Admin'] }] });
  });

  it('refuses account access without the extension', async () => {
    fake = await FakeScimServer.start({ roleExtension: false });
    const group = fake.seedGroup('Admins');
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.setGroupAccountAccess(group.id, []).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain(ROLE_EXTENSION_URN);
    expect(patchBodies(fake)).toHaveLength(0);
  });
});
