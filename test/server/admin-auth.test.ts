import { afterEach, describe, expect, it } from 'vitest';
import { parseAuthorization } from '../../src/server/admin-auth.js';
import { ADMIN_TOKEN, BASIC_AUTH, BEARER_AUTH, basicAuthorization, startTestServer, type TestServer } from './server-harness.js';

const WRONG_TOKEN = 'wrong-token-a81f33';

describe('admin guard', () => {
  let server: TestServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('requires credentials with a Basic challenge', async () => {
    server = await startTestServer();

    const response = await server.app.inject({ method: 'GET', url: '/api/plans/held' });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Basic realm="ably-idp-sync admin"');
    expect(response.json().message).toContain('Authorization: Bearer');
  });

  it('accepts Basic with any username', async () => {
    server = await startTestServer();

    for (const username of ['operator', 'someone-else', '']) {
      const response = await server.app.inject({
        method: 'GET',
        url: '/api/plans/held',
        headers: { authorization: basicAuthorization(username, ADMIN_TOKEN) },
      });
      expect(response.statusCode).toBe(200);
    }
  });

  it('accepts a Bearer token', async () => {
    server = await startTestServer();

    const response = await server.app.inject({ method: 'GET', url: '/api/plans/held', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ plans: [] });
  });

  it('rejects a wrong token without leaking it', async () => {
    server = await startTestServer();

    const attempts = [
      { authorization: `Bearer ${WRONG_TOKEN}` },
      { authorization: basicAuthorization('operator', WRONG_TOKEN) },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Token ${ADMIN_TOKEN}` },
    ];
    for (const headers of attempts) {
      const response = await server.app.inject({ method: 'GET', url: '/admin', headers });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain(WRONG_TOKEN);
      expect(response.body).not.toContain(ADMIN_TOKEN);
    }

    const rejections = server.logs().filter((line) => line.msg === 'admin request rejected');
    expect(rejections).toHaveLength(attempts.length);
    expect(rejections.every((line) => typeof line.reqId === 'string')).toBe(true);
    expect(server.logText()).not.toContain(WRONG_TOKEN);
    expect(server.logText()).not.toContain(ADMIN_TOKEN);
  });

  it('returns 503 naming ADMIN_TOKEN without a token', async () => {
    server = await startTestServer({ adminToken: null });

    const admin = await server.app.inject({ method: 'GET', url: '/admin', headers: BEARER_AUTH });
    const dashboard = await server.app.inject({ method: 'GET', url: '/admin/queues', headers: BEARER_AUTH });
    const healthz = await server.app.inject({ method: 'GET', url: '/healthz' });
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });

    expect(admin.statusCode).toBe(503);
    expect(admin.json().message).toContain('ADMIN_TOKEN');
    expect(dashboard.statusCode).toBe(503);
    expect(healthz.statusCode).toBe(200);
    expect(metrics.statusCode).toBe(200);
  });

  it('rejects cross-origin writes', async () => {
    server = await startTestServer();

    const crossSite = await server.app.inject({
      method: 'POST',
      url: '/admin/resync',
      headers: { ...BASIC_AUTH, origin: 'https://elsewhere.example', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'mode=full',
    });
    const sameSite = await server.app.inject({
      method: 'POST',
      url: '/admin/resync',
      headers: { ...BASIC_AUTH, origin: 'http://localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'mode=full',
    });

    expect(crossSite.statusCode).toBe(403);
    expect(server.resyncCalls).toEqual(['full']);
    expect(sameSite.statusCode).toBe(303);
  });
});

describe('parseAuthorization', () => {
  it.each([
    ['Bearer abc', { scheme: 'bearer', token: 'abc' }],
    ['bearer abc', { scheme: 'bearer', token: 'abc' }],
    [basicAuthorization('ann', 'p:w'), { scheme: 'basic', username: 'ann', password: 'p:w' }],
    [basicAuthorization('', 'tok'), { scheme: 'basic', username: '', password: 'tok' }],
    [`Basic ${Buffer.from('no-colon').toString('base64')}`, undefined],
    ['Digest abc', undefined],
    ['Bearer', undefined],
    [undefined, undefined],
  ])('parses %s', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });
});
