import { afterEach, describe, expect, it } from 'vitest';
import { FakeScimServer } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';

describe('client options', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('accepts the full configuration endpoint', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(`${fake.baseUrl}/ServiceProviderConfig/`);

    await client.discover();

    expect(fake.requests[0]?.path).toBe('/scim/v2/ServiceProviderConfig');
    expect(fake.requests[1]?.path).toBe('/scim/v2/ResourceTypes');
  });

  it('reads the user again after a 204 PATCH', async () => {
    fake = await FakeScimServer.start();
    const seeded = fake.seedUser('old@example.com');
    fake.interceptors.push((request, response) => {
      if (request.method !== 'PATCH') {
        return false;
      }
      const stored = fake?.users.get(seeded.id);
      if (stored) {
        stored.userName = 'new@example.com';
      }
      response.writeHead(204).end();
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const updated = await client.updateUser(seeded.id, { externalId: 'x', userName: 'new@example.com', active: true });

    expect(updated.userName).toBe('new@example.com');
    expect(fake.resourceRequests().map((request) => request.method)).toEqual(['PATCH', 'GET']);
  });
});
