import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkRedis, checkWorkers } from '../../src/server/health.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';
import { startTestServer, type TestServer } from './server-harness.js';

describe('probe routes', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('healthz needs no auth', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('readyz is 200 when every check passes', async () => {
    server.health.status = {
      checks: [
        { name: 'redis', isHealthy: true, detail: 'Redis replied to PING.' },
        { name: 'workers', isHealthy: true, detail: '2 workers running.' },
      ],
      lastSuccessfulSyncAt: '2026-12-04T10:00:05.000Z',
    };

    const response = await server.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ready',
      failingChecks: [],
      lastSuccessfulSyncAt: '2026-12-04T10:00:05.000Z',
    });
  });

  it('readyz is 503 naming failing checks', async () => {
    server.health.status = {
      checks: [
        { name: 'redis', isHealthy: false, detail: 'Redis did not reply to PING within 2000 ms.' },
        { name: 'workers', isHealthy: true, detail: '2 workers running.' },
      ],
    };

    const response = await server.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.status).toBe('not-ready');
    expect(body.failingChecks).toEqual(['redis']);
    expect(body.checks[0].detail).toBe('Redis did not reply to PING within 2000 ms.');
  });

  it('readyz is 503 when health throws', async () => {
    server.health.status = new Error('connection refused to redis://internal-host:6379');

    const response = await server.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    expect(response.json().failingChecks).toEqual(['health']);
    expect(response.body).not.toContain('internal-host');
    const logged = server.logs().filter((line) => line.msg === 'health check failed');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.reqId).toBeDefined();
  });

  it('metrics serves the project metric names', async () => {
    server.metrics.syncRuns.inc({ mode: 'full', result: 'applied' });

    const response = await server.app.inject({ method: 'GET', url: '/metrics' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    for (const name of [
      'ably_idp_sync_runs_total',
      'ably_idp_sync_run_duration_seconds',
      'ably_idp_sync_operations_total',
      'ably_idp_sync_held_plans',
      'ably_idp_sync_last_success_timestamp_seconds',
    ]) {
      expect(response.body).toContain(name);
    }
    expect(response.body).toContain('ably_idp_sync_runs_total{mode="full",result="applied"} 1');
  });
});

describe('health checks', () => {
  it('checkRedis passes on a live Redis', async () => {
    const client = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    try {
      const check = await checkRedis(client);
      expect(check).toEqual({ name: 'redis', isHealthy: true, detail: 'Redis replied to PING.' });
    } finally {
      client.disconnect();
    }
  });

  it('checkRedis fails on an unreachable Redis', async () => {
    // Port 1 on loopback has no listener; BullMQ-style settings keep retrying, so the timeout decides.
    const client = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      const check = await checkRedis(client, 200);
      expect(check.isHealthy).toBe(false);
      expect(check.detail).toBe('Redis did not reply to PING within 200 ms.');
    } finally {
      client.disconnect();
    }
  });

  it('checkWorkers reports a closed worker', async () => {
    const { hostname, port } = new URL(testRedisUrl());
    const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
    const prefix = freshPrefix('health');
    const running = new Worker('sync', async () => undefined, { connection, prefix, autorun: true });
    const closed = new Worker('operations', async () => undefined, { connection, prefix, autorun: true });
    await running.waitUntilReady();
    await closed.close();

    try {
      expect(checkWorkers([running])).toMatchObject({ name: 'workers', isHealthy: true });
      const check = checkWorkers([running, closed]);
      expect(check.isHealthy).toBe(false);
      expect(check.detail).toBe('Workers not running: operations.');
      expect(checkWorkers([]).isHealthy).toBe(false);
    } finally {
      await running.close();
    }
  });
});
