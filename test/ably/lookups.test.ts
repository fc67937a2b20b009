import { afterEach, describe, expect, it } from 'vitest';
import { equalityFilter } from '../../src/ably/index.js';
import { FakeScimServer } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

describe('equalityFilter', () => {
  const cases = [
    { value: 'ada@example.com', filter: 'userName eq "ada@example.com"' },
    { value: 'say "hi"@example.com', filter: 'userName eq "say \\"hi\\"@example.com"' },
    { value: 'back\\slash@example.com', filter: 'userName eq "back\\\\slash@example.com"' },
    { value: "o'brien@example.com", filter: 'userName eq "o\'brien@example.com"' },
    { value: 'tab\there@example.com', filter: 'userName eq "tab\\there@example.com"' },
  ];

  it.each(cases)('quotes $value', ({ value, filter }) => {
    expect(equalityFilter('userName', value)).toBe(filter);
  });
});

describe('findUserByUserName', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const awkwardNames = [
    'ada+sync@example.com',
    'a&b=c@example.com',
    'say"hi"@example.com',
    "o'brien@example.com",
    '100%real@example.com',
    'back\\slash@example.com',
    'space d@example.com',
  ];

  it.each(awkwardNames)('finds %s through the filter', async (userName) => {
    fake = await FakeScimServer.start();
    fake.seedUser('decoy@example.com');
    const seeded = fake.seedUser(userName);
    const { client } = createTestClient(fake.baseUrl);

    const found = await client.findUserByUserName(userName);

    expect(found?.id).toBe(seeded.id);
    const lookup = fake.resourceRequests().at(-1);
    expect(lookup?.query.get('filter')).toBe(equalityFilter('userName', userName));
    // A literal `+` would decode as a space under form encoding, and a bare `&` would split the query.
    expect(lookup?.rawQuery).not.toMatch(/filter=[^&]*[+"' ]/);
  });

  it('percent-encodes the whole filter', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    await client.findUserByUserName('a+b&c@example.com');

    const rawQuery = fake.resourceRequests().at(-1)?.rawQuery ?? '';
    expect(rawQuery).toContain('filter=userName%20eq%20%22a%2Bb%26c%40example.com%22');
  });

  it('matches userName case-insensitively', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('Ada.Lovelace@Example.com');
    const { client } = createTestClient(fake.baseUrl);

    expect((await client.findUserByUserName('ada.lovelace@example.com'))?.id).toBe(seeded.id);
  });

  it('returns undefined when absent', async () => {
    fake = await FakeScimServer.start();
    fake.seedUser('someone@example.com');
    const { client } = createTestClient(fake.baseUrl);

    expect(await client.findUserByUserName('nobody@example.com')).toBeUndefined();
  });

  it('lists and matches without filter support', async () => {
    fake = await FakeScimServer.start({ filter: false, maxResults: 2 });
    for (let index = 0; index < 5; index += 1) {
      fake.seedUser(`user${index}@example.com`);
    }
    const seeded = fake.seedUser('ada+sync@example.com');
    const { client } = createTestClient(fake.baseUrl);

    const found = await client.findUserByUserName('ADA+sync@example.com');

    expect(found?.id).toBe(seeded.id);
    expect(fake.resourceRequests().every((request) => request.query.get('filter') === null)).toBe(true);
    expect(fake.resourceRequests()).toHaveLength(3);
  });

  it('finds many externalIds with one listing without filter support', async () => {
    fake = await FakeScimServer.start({ filter: false, maxResults: 2 });
    for (let index = 0; index < 5; index += 1) {
      fake.seedUser(`user${index}@example.com`, { externalId: `00u-${index}` });
    }
    const { client } = createTestClient(fake.baseUrl);

    const found = await client.findUsersByExternalIds(['00u-1', '00u-4', '00u-9']);

    expect([...found.keys()].sort()).toEqual(['00u-1', '00u-4']);
    expect(fake.resourceRequests().every((request) => request.query.get('filter') === null)).toBe(true);
    // Five users at two per page: one listing of three pages serves every id.
    expect(fake.resourceRequests()).toHaveLength(3);
  });

  it('ignores extra results from a provider that drops the filter', async () => {
    fake = await FakeScimServer.start();
    fake.seedUser('first@example.com');
    const seeded = fake.seedUser('second@example.com');
    fake.interceptors.push((request) => {
      // Delete the filter so the provider lists everything, like a provider that ignores it.
      request.query.delete('filter');
      return false;
    });
    const { client } = createTestClient(fake.baseUrl);

    expect((await client.findUserByUserName('second@example.com'))?.id).toBe(seeded.id);
  });
});

describe('other lookups', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('finds a user by case-exact externalId', async () => {
    fake = await FakeScimServer.start({ filter: false });
    fake.seedUser('lower@example.com', { externalId: 'abc' });
    const seeded = fake.seedUser('upper@example.com', { externalId: 'ABC' });
    const { client } = createTestClient(fake.baseUrl);

    expect((await client.findUserByExternalId('ABC'))?.id).toBe(seeded.id);
  });

  it('finds a group by displayName', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedGroup('Engineers "core"');
    const { client } = createTestClient(fake.baseUrl);

    expect((await client.findGroupByDisplayName('Engineers "core"'))?.id).toBe(seeded.id);
    expect(await client.findGroupByDisplayName('Sales')).toBeUndefined();
  });

  it('gets a user with an awkward id', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('ada@example.com');
    fake.users.delete(seeded.id);
    seeded.id = 'id/with?odd#chars';
    fake.users.set(seeded.id, seeded);
    const { client } = createTestClient(fake.baseUrl);

    expect((await client.getUser('id/with?odd#chars')).userName).toBe('ada@example.com');
  });
});
