import { afterEach, describe, expect, it } from 'vitest';
import { FatalError } from '../../src/errors/index.js';
import { FakeScimServer, listBody, sendJson, type RecordedRequest } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

describe('readOrganization', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  function listRequests(path: string): RecordedRequest[] {
    return (fake?.requests ?? []).filter((request) => request.method === 'GET' && request.path.endsWith(path));
  }

  it('pages through every user and group', async () => {
    fake = await FakeScimServer.start({ maxResults: 4 });
    for (let index = 0; index < 11; index += 1) {
      fake.seedUser(`user${index}@example.com`);
    }
    const first = [...fake.users.keys()][0] as string;
    fake.seedGroup('Engineers', [first]);
    const { client } = createTestClient(fake.baseUrl);

    const snapshot = await client.readOrganization();

    expect(snapshot.users).toHaveLength(11);
    expect(new Set(snapshot.users.map((user) => user.id)).size).toBe(11);
    expect(snapshot.groups).toHaveLength(1);
    expect(snapshot.groups[0]?.memberIds).toEqual([first]);
    const startIndexes = listRequests('/Users').map((request) => request.query.get('startIndex'));
    expect(startIndexes).toEqual(['1', '5', '9']);
    expect(listRequests('/Users').every((request) => request.query.get('count') === '4')).toBe(true);
  });

  it('follows a page shorter than count', async () => {
    fake = await FakeScimServer.start({ maxResults: 3 });
    for (let index = 0; index < 7; index += 1) {
      fake.seedUser(`user${index}@example.com`);
    }
    // The client asks for 10 per page, but the provider returns at most 3 and
    // advertises 10, as a provider with an unadvertised cap does.
    fake.interceptors.push((request, response) => {
      if (!request.path.endsWith('/ServiceProviderConfig')) {
        return false;
      }
      sendJson(response, 200, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        patch: { supported: true },
        filter: { supported: true, maxResults: 10 },
        etag: { supported: true },
        bulk: { supported: false },
      });
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const snapshot = await client.readOrganization();

    expect(snapshot.users).toHaveLength(7);
    expect(listRequests('/Users').map((request) => request.query.get('startIndex'))).toEqual(['1', '4', '7']);
  });

  it('reads an empty organization', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    const snapshot = await client.readOrganization();

    expect(snapshot.users).toEqual([]);
    expect(snapshot.groups).toEqual([]);
    expect(snapshot.capabilities.patch).toBe(true);
  });

  it('maps user attributes', async () => {
    fake = await FakeScimServer.start();
    fake.seedUser('ada@example.com', {
      externalId: '00u1',
      displayName: 'Ada Lovelace',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      active: false,
      emails: [
        { value: 'ada.home@example.com', type: 'home' },
        { value: 'ada@example.com', type: 'work', primary: true },
      ],
    });
    const { client } = createTestClient(fake.baseUrl);

    const [user] = (await client.readOrganization()).users;

    expect(user).toMatchObject({
      userName: 'ada@example.com',
      externalId: '00u1',
      displayName: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      active: false,
      email: 'ada@example.com',
    });
    expect(user?.version).toMatch(/^W\/"/);
  });

  it('maps group account access', async () => {
    fake = await FakeScimServer.start();
    fake.seedGroup('Admins', [], {
      'urn:ably:scim:schemas:extension:accountAccess:2.0:Group': {
        accounts: [{ value: 'acc-prod', display: 'Production', roles: ['Admin', 'Owner'] }],
      },
    });
    const { client } = createTestClient(fake.baseUrl);

    const [group] = (await client.readOrganization()).groups;

    expect(group?.accountAccess).toEqual([{ accountId: 'acc-prod', roles: ['Admin'] }]);
  });

  describe('non-progressing paging', () => {
    function scriptUserPages(pages: (startIndex: number) => Record<string, unknown>): void {
      fake?.interceptors.push((request, response) => {
        if (!request.path.endsWith('/Users')) {
          return false;
        }
        sendJson(response, 200, pages(Number(request.query.get('startIndex'))));
        return true;
      });
    }

    const user = (id: string) => ({ id, userName: `${id}@example.com` });

    it('rejects a page that repeats ids', async () => {
      fake = await FakeScimServer.start();
      // startIndex is ignored: every page is the first one, without a startIndex field.
      scriptUserPages(() => ({ totalResults: 4, Resources: [user('a'), user('b')] }));
      const { client } = createTestClient(fake.baseUrl);

      const error = await client.readOrganization().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toContain('received id a again');
    });

    it('rejects an ignored startIndex', async () => {
      fake = await FakeScimServer.start();
      scriptUserPages(() => ({ ...listBody([user('a'), user('b')], 1), totalResults: 4 }));
      const { client } = createTestClient(fake.baseUrl);

      const error = await client.readOrganization().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toContain('asked for startIndex 3 and received startIndex 1');
    });

    it('rejects an early empty page', async () => {
      fake = await FakeScimServer.start();
      scriptUserPages((startIndex) =>
        startIndex === 1
          ? { ...listBody([user('a'), user('b')], 1), totalResults: 5 }
          : { ...listBody([], startIndex), totalResults: 5 },
      );
      const { client } = createTestClient(fake.baseUrl);

      const error = await client.readOrganization().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toContain('empty page at startIndex 3 after 2 of 5');
    });

    it('rejects a body without totalResults', async () => {
      fake = await FakeScimServer.start();
      scriptUserPages(() => ({ Resources: [user('a')] }));
      const { client } = createTestClient(fake.baseUrl);

      const error = await client.readOrganization().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(FatalError);
      expect((error as Error).message).toContain('totalResults');
    });
  });

  describe('empty members', () => {
    it('confirms empty members with attributes=members', async () => {
      fake = await FakeScimServer.start({ omitMembersOnGet: true });
      const ada = fake.seedUser('ada@example.com');
      const bob = fake.seedUser('bob@example.com');
      const group = fake.seedGroup('Engineers', [ada.id, bob.id]);
      const { client } = createTestClient(fake.baseUrl);

      const snapshot = await client.readOrganization();
      const memberIds = await client.listGroupMemberIds(group.id);
      const fetched = await client.getGroup(group.id);

      expect(snapshot.groups[0]?.memberIds).toEqual([ada.id, bob.id]);
      expect(memberIds).toEqual([ada.id, bob.id]);
      expect(fetched.memberIds).toEqual([ada.id, bob.id]);
      const confirmations = fake.requests.filter((request) => request.query.get('attributes') === 'members');
      expect(confirmations).toHaveLength(3);
    });

    it('accepts a confirmed empty group', async () => {
      fake = await FakeScimServer.start();
      fake.seedGroup('Nobody');
      const { client } = createTestClient(fake.baseUrl);

      const snapshot = await client.readOrganization();

      expect(snapshot.groups[0]?.memberIds).toEqual([]);
    });

    it('skips confirmation for listed members', async () => {
      fake = await FakeScimServer.start();
      const ada = fake.seedUser('ada@example.com');
      fake.seedGroup('Engineers', [ada.id]);
      const { client } = createTestClient(fake.baseUrl);

      await client.readOrganization();

      expect(fake.requests.some((request) => request.query.get('attributes') === 'members')).toBe(false);
    });

    it('confirms members of a group found by filter', async () => {
      fake = await FakeScimServer.start({ omitMembersOnGet: true });
      const ada = fake.seedUser('ada@example.com');
      fake.seedGroup('Engineers', [ada.id], { externalId: '00g1' });
      const { client } = createTestClient(fake.baseUrl);

      const group = await client.findGroupByExternalId('00g1');

      expect(group?.memberIds).toEqual([ada.id]);
    });
  });
});
