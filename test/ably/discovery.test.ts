import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PATCH_OPERATIONS } from '../../src/ably/index.js';
import { FatalError } from '../../src/errors/index.js';
import { FakeScimServer, sendJson } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

describe('discover', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const table = [
    { patch: true, filter: true, etag: true, roleExtension: true },
    { patch: false, filter: true, etag: true, roleExtension: true },
    { patch: true, filter: false, etag: false, roleExtension: true },
    { patch: false, filter: false, etag: false, roleExtension: false },
  ];

  it.each(table)('reads patch=$patch filter=$filter etag=$etag roleExtension=$roleExtension', async (settings) => {
    fake = await FakeScimServer.start(settings);
    const { client } = createTestClient(fake.baseUrl);

    const capabilities = await client.discover();

    expect(capabilities.patch).toBe(settings.patch);
    expect(capabilities.filter).toBe(settings.filter);
    expect(capabilities.etag).toBe(settings.etag);
    expect(capabilities.hasRoleExtension).toBe(settings.roleExtension);
    expect(capabilities.bulk).toBe(false);
    expect(capabilities.maxPatchOperations).toBe(DEFAULT_MAX_PATCH_OPERATIONS);
  });

  it('caps page size at maxResults', async () => {
    fake = await FakeScimServer.start({ maxResults: 7 });
    const { client } = createTestClient(fake.baseUrl, { pageSize: 100 });

    expect((await client.discover()).maxResults).toBe(7);
  });

  it('keeps configured page size when smaller', async () => {
    fake = await FakeScimServer.start({ maxResults: 500 });
    const { client } = createTestClient(fake.baseUrl, { pageSize: 20 });

    expect((await client.discover()).maxResults).toBe(20);
  });

  it('runs discovery once for many calls', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    await Promise.all([client.discover(), client.discover(), client.readOrganization()]);

    const configReads = fake.requests.filter((request) => request.path.endsWith('/ServiceProviderConfig'));
    expect(configReads).toHaveLength(1);
  });

  it('compares the extension URN case-insensitively', async () => {
    fake = await FakeScimServer.start({ roleExtension: true });
    const { client } = createTestClient(fake.baseUrl, {
      roleExtensionUrn: 'URN:ABLY:scim:schemas:extension:accountAccess:2.0:Group',
    });

    expect((await client.discover()).hasRoleExtension).toBe(true);
  });

  it('falls back to standard endpoints without /ResourceTypes', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(1, 404, { match: (request) => request.path.endsWith('/ResourceTypes') });
    fake.seedUser('ada@example.com');
    const { client } = createTestClient(fake.baseUrl);

    const snapshot = await client.readOrganization();

    expect(snapshot.users.map((user) => user.userName)).toEqual(['ada@example.com']);
  });

  it('reports no role extension without /Schemas', async () => {
    fake = await FakeScimServer.start({ roleExtension: true });
    fake.failNext(1, 404, { match: (request) => request.path.endsWith('/Schemas') });
    const { client, logLines } = createTestClient(fake.baseUrl);

    expect((await client.discover()).hasRoleExtension).toBe(false);
    expect(logLines.some((line) => line.includes('role assignment is report-only'))).toBe(true);
  });

  it('rejects a non-SCIM ServiceProviderConfig', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (!request.path.endsWith('/ServiceProviderConfig')) {
        return false;
      }
      sendJson(response, 200, { hello: 'world' });
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const error = await client.discover().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain('/ServiceProviderConfig');
  });

  it('retries discovery after a failure', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(1, 403);
    const { client } = createTestClient(fake.baseUrl);

    await expect(client.discover()).rejects.toBeInstanceOf(FatalError);
    await expect(client.discover()).resolves.toMatchObject({ patch: true });
  });
});
