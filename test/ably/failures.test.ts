import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  FatalError,
  InvalidObjectError,
  NotFoundError,
  SyncError,
  TransientError,
} from '../../src/errors/index.js';
import { Secret } from '../../src/config/secret.js';
import { FakeScimServer, type RecordedRequest } from './support/fake-scim-server.js';
import { TEST_PASSWORD, createTestClient } from './support/client.js';

const isUsersRequest = (request: RecordedRequest) => request.path.endsWith('/Users');

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('failure classification', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  const permanent = [
    { status: 401, errorClass: FatalError, code: 'FATAL' },
    { status: 403, errorClass: FatalError, code: 'FATAL' },
    { status: 404, errorClass: NotFoundError, code: 'NOT_FOUND' },
    { status: 409, errorClass: ConflictError, code: 'CONFLICT' },
    { status: 400, errorClass: InvalidObjectError, code: 'INVALID_OBJECT' },
    { status: 412, errorClass: InvalidObjectError, code: 'INVALID_OBJECT' },
    { status: 413, errorClass: InvalidObjectError, code: 'INVALID_OBJECT' },
    { status: 405, errorClass: FatalError, code: 'FATAL' },
    { status: 501, errorClass: FatalError, code: 'FATAL' },
  ];

  it.each(permanent)('maps $status without retrying', async ({ status, errorClass, code }) => {
    fake = await FakeScimServer.start();
    const { client, delays } = createTestClient(fake.baseUrl);
    await client.discover();
    fake.failNext(5, status, { match: isUsersRequest });

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(errorClass);
    expect((error as SyncError).code).toBe(code);
    expect((error as Error).message).toContain(`GET /Users returned HTTP ${status}`);
    expect(fake.requests.filter(isUsersRequest)).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('carries scimType of a 400', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(1, 400, { scimType: 'invalidValue', match: isUsersRequest });
    const { client } = createTestClient(fake.baseUrl);

    const error = await caught(client.createUser({ externalId: 'x', userName: 'x@other.org', active: true }));

    expect(error).toBeInstanceOf(InvalidObjectError);
    expect((error as InvalidObjectError).scimType).toBe('invalidValue');
    expect((error as Error).message).toContain('scimType invalidValue');
  });

  it('tells how to fix rejected credentials', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl, { password: new Secret('wrong') });

    const error = await caught(client.discover());

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain('Check the SCIM Username and SCIM Password');
    expect((error as Error).message).not.toContain('wrong');
  });

  it('retries 429 after Retry-After seconds', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(2, 429, { headers: { 'retry-after': '7' }, match: isUsersRequest });
    const { client, delays } = createTestClient(fake.baseUrl);

    await client.findUserByUserName('ada@example.com');

    expect(delays).toEqual([7000, 7000]);
    expect(client.requestStats()).toMatchObject({ throttled: 2, retries: 2, backoffWaitMs: 14000 });
  });

  it('retries 429 after a Retry-After date', async () => {
    fake = await FakeScimServer.start();
    const { client, delays, clock } = createTestClient(fake.baseUrl);
    // HTTP dates have one-second resolution, so the clock starts on a whole second.
    clock.now = Date.UTC(2026, 0, 5, 10, 0, 0);
    fake.failNext(1, 429, { headers: { 'retry-after': new Date(clock.now + 12_000).toUTCString() }, match: isUsersRequest });

    await client.findUserByUserName('ada@example.com');

    expect(delays).toEqual([12_000]);
  });

  it('backs off with jitter without Retry-After', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(3, 429, { match: isUsersRequest });
    const { client, delays } = createTestClient(fake.baseUrl, { random: () => 1 });

    await client.findUserByUserName('ada@example.com');

    // Equal jitter: half the ceiling plus random() times the other half, ceilings 500, 1000, 2000 ms.
    expect(delays).toEqual([500, 1000, 2000]);
  });

  it('draws jitter from random', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(2, 503, { match: isUsersRequest });
    const { client, delays } = createTestClient(fake.baseUrl, { random: () => 0 });

    await client.findUserByUserName('ada@example.com');

    expect(delays).toEqual([250, 500]);
  });

  it('retries 503 until it succeeds', async () => {
    fake = await FakeScimServer.start();
    fake.seedUser('ada@example.com');
    fake.failNext(3, 503, { match: isUsersRequest });
    const { client } = createTestClient(fake.baseUrl, { maxRetries: 3 });

    const found = await client.findUserByUserName('ada@example.com');

    expect(found?.userName).toBe('ada@example.com');
    expect(fake.requests.filter(isUsersRequest)).toHaveLength(4);
  });

  it('stops after maxRetries', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(100, 503, { headers: { 'retry-after': '2' }, match: isUsersRequest });
    const { client, delays } = createTestClient(fake.baseUrl, { maxRetries: 2 });

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(2000);
    expect(fake.requests.filter(isUsersRequest)).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('never retries with maxRetries 0', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(1, 500, { match: isUsersRequest });
    const { client } = createTestClient(fake.baseUrl, { maxRetries: 0 });

    expect(await caught(client.findUserByUserName('ada@example.com'))).toBeInstanceOf(TransientError);
    expect(fake.requests.filter(isUsersRequest)).toHaveLength(1);
  });

  it('hands a long Retry-After to the caller', async () => {
    fake = await FakeScimServer.start();
    fake.failNext(1, 429, { headers: { 'retry-after': '3600' }, match: isUsersRequest });
    const { client, delays } = createTestClient(fake.baseUrl);

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(3_600_000);
    expect(delays).toEqual([]);
  });

  it('retries a reset connection', async () => {
    fake = await FakeScimServer.start();
    let resets = 2;
    fake.interceptors.push((request, response) => {
      if (!isUsersRequest(request) || resets <= 0) {
        return false;
      }
      resets -= 1;
      response.socket?.destroy();
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    await client.findUserByUserName('ada@example.com');

    expect(fake.requests.filter(isUsersRequest)).toHaveLength(3);
    expect(client.requestStats().byStatus[0]).toBe(2);
  });

  it('maps a persistent reset to TransientError', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (!isUsersRequest(request)) {
        return false;
      }
      response.socket?.destroy();
      return true;
    });
    const { client } = createTestClient(fake.baseUrl, { maxRetries: 1 });

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users failed on the network \((UND_ERR_SOCKET|ECONNRESET)\)\. Check ably\.scimBaseUrl/);
    expect((error as Error).cause).toBeDefined();
  });

  it('times out a hanging request', async () => {
    fake = await FakeScimServer.start();
    let hangs = 1;
    fake.interceptors.push((request) => {
      if (!isUsersRequest(request) || hangs <= 0) {
        return false;
      }
      hangs -= 1;
      // Send no response, so only the client's timeout can end the request.
      return true;
    });
    const { client } = createTestClient(fake.baseUrl, { requestTimeoutMs: 200 });
    await client.discover();

    const found = await client.findUserByUserName('ada@example.com');

    expect(found).toBeUndefined();
    expect(fake.requests.filter(isUsersRequest)).toHaveLength(2);
    expect(client.requestStats().retries).toBe(1);
  });

  it('reports a timeout after the retries', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request) => isUsersRequest(request));
    const { client } = createTestClient(fake.baseUrl, { requestTimeoutMs: 100, maxRetries: 1 });
    await client.discover();

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users timed out after 100 ms\. Check ably\.scimBaseUrl/);
  });

  it('maps a refused connection to TransientError', async () => {
    fake = await FakeScimServer.start();
    const closedUrl = fake.baseUrl;
    await fake.close();
    fake = undefined;
    const { client } = createTestClient(closedUrl, { maxRetries: 1 });

    const error = await caught(client.discover());

    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/\/ServiceProviderConfig failed on the network \(ECONNREFUSED\)\. Check ably\.scimBaseUrl and that the SCIM endpoint is reachable/);
  });

  it('names path and status of a non-JSON body', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (!isUsersRequest(request)) {
        return false;
      }
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const error = await caught(client.findUserByUserName('ada@example.com'));

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain('GET /Users returned HTTP 200 with a body that is not JSON');
    expect((error as Error).message).toContain('text/html');
  });

  it('names path of a non-SCIM user', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (request.method !== 'POST') {
        return false;
      }
      response.writeHead(201, { 'content-type': 'application/scim+json' }).end(JSON.stringify({ ok: true }));
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const error = await caught(client.createUser({ externalId: 'x', userName: 'x@example.com', active: true }));

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain('POST /Users returned HTTP 201 with a body that is not a SCIM User');
    expect((error as Error).message).toContain('id, userName');
  });

  it('does not follow redirects', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (!request.path.endsWith('/ServiceProviderConfig')) {
        return false;
      }
      response.writeHead(302, { location: 'http://127.0.0.1:9/login' }).end();
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const error = await caught(client.discover());

    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain('GET /ServiceProviderConfig returned HTTP 302, a redirect');
    expect(fake.requests).toHaveLength(1);
  });

  it('classifies an HTML 502 as transient', async () => {
    fake = await FakeScimServer.start();
    let remaining = 1;
    fake.interceptors.push((request, response) => {
      if (!isUsersRequest(request) || remaining <= 0) {
        return false;
      }
      remaining -= 1;
      response.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    await client.findUserByUserName('ada@example.com');

    expect(client.requestStats().byStatus[502]).toBe(1);
  });
});

describe('secrets', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('keeps credentials out of errors and logs', async () => {
    fake = await FakeScimServer.start();
    const authorization = `Basic ${Buffer.from(`scim:${TEST_PASSWORD}`).toString('base64')}`;
    fake.failNext(2, 503, { match: isUsersRequest });
    fake.failNext(1, 401, { match: isUsersRequest });
    fake.interceptors.push((request, response) => {
      if (request.method !== 'DELETE') {
        return false;
      }
      response.socket?.destroy();
      return true;
    });
    const { client, logLines } = createTestClient(fake.baseUrl, { maxRetries: 2 });

    const errors = [
      await caught(client.findUserByUserName('ada@example.com')),
      await caught(client.deleteUser('u1')),
    ];
    await client.createUser({ externalId: 'x', userName: 'secretive@example.com', givenName: 'Private', active: true });

    expect(errors[0]).toBeInstanceOf(FatalError);
    expect(errors[1]).toBeInstanceOf(TransientError);
    expect(logLines.length).toBeGreaterThan(3);
    const texts = [
      ...errors.map((error) => `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`),
      ...logLines,
    ];
    for (const text of texts) {
      expect(text).not.toContain(TEST_PASSWORD);
      expect(text).not.toContain(authorization.slice('Basic '.length));
      expect(text.toLowerCase()).not.toContain('basic ');
      expect(text).not.toContain('Private');
    }
  });

  it('sends Basic credentials on every request', async () => {
    fake = await FakeScimServer.start();
    const { client } = createTestClient(fake.baseUrl);

    await client.readOrganization();

    const expected = `Basic ${Buffer.from(`scim:${TEST_PASSWORD}`).toString('base64')}`;
    expect(fake.requests.length).toBeGreaterThan(3);
    expect(fake.requests.every((request) => request.headers.authorization === expected)).toBe(true);
  });
});
