import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeReport } from './memory-report-store.js';
import { heldReport } from './sample-reports.js';
import { BEARER_AUTH, startTestServer, type TestServer } from './server-harness.js';

describe('resync API', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('queues a full sync by default', async () => {
    const withoutBody = await server.app.inject({ method: 'POST', url: '/api/resync', headers: BEARER_AUTH });
    const withEmptyJson = await server.app.inject({
      method: 'POST',
      url: '/api/resync',
      headers: { ...BEARER_AUTH, 'content-type': 'application/json' },
      payload: '',
    });

    expect(withoutBody.statusCode).toBe(202);
    expect(withEmptyJson.statusCode).toBe(202);
    expect(server.resyncCalls).toEqual(['full', 'full']);

    const jobId = withoutBody.json().jobId as string;
    const job = await server.syncQueue.getJob(jobId);
    expect(job?.data).toEqual({ mode: 'full', trigger: 'dashboard' });
  });

  it('queues an incremental sync', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/resync',
      headers: BEARER_AUTH,
      payload: { mode: 'incremental' },
    });

    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ mode: 'incremental' });
    expect(server.resyncCalls).toEqual(['incremental']);
  });

  it.each([
    [{ mode: 'everything' }, 'The body field "mode" must be one of: full, incremental.'],
    [{ mode: 'full', force: true }, 'The body field "force" is not recognized. Remove it. The allowed names are: mode.'],
    [['full'], 'The request body must be a JSON object.'],
  ])('rejects body %j', async (payload, message) => {
    const response = await server.app.inject({ method: 'POST', url: '/api/resync', headers: BEARER_AUTH, payload });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe(message);
    expect(server.resyncCalls).toEqual([]);
  });

  it('rejects malformed JSON', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/resync',
      headers: { ...BEARER_AUTH, 'content-type': 'application/json' },
      payload: '{"mode": ',
    });

    expect(response.statusCode).toBe(400);
    expect(server.resyncCalls).toEqual([]);
  });

  it('hides and logs a failing action once', async () => {
    await server.close();
    server = await startTestServer({
      resync: async () => {
        throw new Error('ECONNREFUSED redis://10.0.0.5:6379');
      },
    });

    const response = await server.app.inject({ method: 'POST', url: '/api/resync', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body.message).toContain('requestId');
    expect(response.body).not.toContain('10.0.0.5');
    expect(response.body).not.toContain('at ');
    const failures = server.logs().filter((line) => line.msg === 'request failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.reqId).toBe(body.requestId);
  });
});

describe('plan approval API', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
    server.heldPlans.push(summarizeReport(heldReport('plan-held-1', 'run-held-1')));
  });

  afterEach(async () => {
    await server.close();
  });

  it('lists held plans', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/plans/held', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(200);
    expect(response.json().plans).toEqual([expect.objectContaining({ planId: 'plan-held-1', outcome: 'held' })]);
  });

  it('approves a held plan', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/plans/plan-held-1/approve',
      headers: BEARER_AUTH,
      payload: { approvedBy: 'Grace Hopper' },
    });

    expect(response.statusCode).toBe(202);
    expect(server.approveCalls).toEqual([{ planId: 'plan-held-1', approvedBy: 'Grace Hopper' }]);
    const job = await server.syncQueue.getJob(response.json().jobId as string);
    expect(job?.data).toMatchObject({ approvedPlanId: 'plan-held-1' });
  });

  it('returns 404 for an unknown plan', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/plans/plan-unknown/approve',
      headers: BEARER_AUTH,
      payload: { approvedBy: 'Grace Hopper' },
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().message).toContain('plan-unknown');
  });

  it.each([
    ['/api/plans/plan-held-1/approve', {}, 'The body field "approvedBy" is missing. Add it to the request.'],
    ['/api/plans/plan-held-1/approve', { approvedBy: '' }, 'The body field "approvedBy" must be a name of 1 to 128 characters'],
    ['/api/plans/plan-held-1/approve', { approvedBy: 'a\nb' }, 'The body field "approvedBy" must be a name of 1 to 128 characters'],
    ['/api/plans/-bad/approve', { approvedBy: 'Ann' }, 'The path parameter "planId" must be 1 to 128 letters'],
    ['/api/plans/plan%3Cx%3E/approve', { approvedBy: 'Ann' }, 'The path parameter "planId" must be 1 to 128 letters'],
  ])('rejects %s with %j', async (url, payload, message) => {
    const response = await server.app.inject({ method: 'POST', url, headers: BEARER_AUTH, payload });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
    expect(server.approveCalls).toEqual([]);
  });
});
