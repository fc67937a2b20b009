import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASIC_AUTH, BEARER_AUTH, startTestServer, type TestServer } from './server-harness.js';

describe('queue dashboard', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('requires the admin token', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/admin/queues' });
    const api = await server.app.inject({ method: 'GET', url: '/admin/queues/api/queues' });

    expect(page.statusCode).toBe(401);
    expect(page.headers['www-authenticate']).toContain('Basic');
    expect(api.statusCode).toBe(401);
  });

  it('serves the page and its assets', async () => {
    const page = await server.app.inject({ method: 'GET', url: '/admin/queues', headers: BASIC_AUTH });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<base href="/admin/queues/"');
    expect(page.body).toContain('<title>ably-idp-sync queues</title>');

    const script = /src="(static\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await server.app.inject({ method: 'GET', url: `/admin/queues/${script}`, headers: BASIC_AUTH });
    expect(asset.statusCode).toBe(200);
  });

  it('lists the queues through its API', async () => {
    await server.syncQueue.add('full', { mode: 'full' });

    const response = await server.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(200);
    const queues = response.json().queues as { name: string; counts: Record<string, number> }[];
    expect(queues.map((queue) => queue.name).sort()).toEqual(['operations', 'sync']);
    expect(queues.find((queue) => queue.name === 'sync')?.counts.waiting).toBe(1);
  });

  it('adds a sync job from the dashboard', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/admin/queues/api/queues/sync/add',
      headers: BEARER_AUTH,
      payload: { name: 'incremental', data: { mode: 'incremental', trigger: 'dashboard' }, options: {} },
    });

    expect(response.statusCode).toBe(200);
    const jobs = await server.syncQueue.getJobs(['waiting']);
    expect(jobs.map((job) => job.data)).toEqual([{ mode: 'incremental', trigger: 'dashboard' }]);
  });

  it('runs a job scheduler now', async () => {
    await server.syncQueue.upsertJobScheduler(
      'full-sync-schedule',
      { every: 3_600_000 },
      { name: 'full', data: { mode: 'full', trigger: 'schedule' } },
    );
    const before = await server.syncQueue.getJobCounts('waiting', 'delayed');

    const response = await server.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/sync/job-schedulers/full-sync-schedule/run',
      headers: BEARER_AUTH,
    });

    expect(response.statusCode).toBe(200);
    const after = await server.syncQueue.getJobCounts('waiting', 'delayed');
    expect((after.waiting ?? 0) + (after.delayed ?? 0)).toBe((before.waiting ?? 0) + (before.delayed ?? 0) + 1);
  });
});
