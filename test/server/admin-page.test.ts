import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeReport } from './memory-report-store.js';
import { heldReport, sampleReport } from './sample-reports.js';
import { BASIC_AUTH, basicAuthorization, ADMIN_TOKEN, fakeRenderReport, startTestServer, type TestServer } from './server-harness.js';

const FORM = { ...BASIC_AUTH, 'content-type': 'application/x-www-form-urlencoded' };

describe('admin page', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer({ renderReport: fakeRenderReport });
    await server.reports.save(sampleReport({ runId: 'run-applied', outcome: 'applied' }));
    await server.reports.save(sampleReport({ runId: 'run-failed', outcome: 'failed' }));
    server.heldPlans.push(summarizeReport(heldReport('plan-held-1', 'run-held-1')));
  });

  afterEach(async () => {
    await server.close();
  });

  it('links the dashboard, reports and held plans', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/admin',
      headers: { authorization: basicAuthorization('grace', ADMIN_TOKEN) },
    });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const html = response.body;
    expect(html).toContain('href="/admin/queues"');
    expect(html).toContain('href="/reports/run-applied"');
    expect(html).toContain('<td class="outcome-failed">failed</td>');
    expect(html).toContain('action="/admin/plans/plan-held-1/approve"');
    expect(html).toContain('name="approvedBy" required maxlength="128" placeholder="your name" aria-label="Approved by" value="grace"');
    expect(html).toContain('action="/admin/resync"');
    expect(html).toContain('<td class="healthy">healthy</td>');
    expect(html).not.toContain('<script');
  });

  it('links JSON reports without a renderer', async () => {
    await server.close();
    server = await startTestServer();
    await server.reports.save(sampleReport({ runId: 'run-applied' }));

    const response = await server.app.inject({ method: 'GET', url: '/admin', headers: BASIC_AUTH });

    expect(response.body).toContain('href="/api/reports/run-applied?format=json"');
  });

  it('escapes values from the store', async () => {
    await server.reports.save(sampleReport({ runId: '<img src=x onerror=alert(1)>' }));
    server.health.status = { checks: [{ name: 'redis', isHealthy: false, detail: 'PING got "<b>nothing</b>"' }] };

    const response = await server.app.inject({ method: 'GET', url: '/admin', headers: BASIC_AUTH });

    expect(response.body).not.toContain('<img src=x');
    expect(response.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(response.body).toContain('PING got &quot;&lt;b&gt;nothing&lt;/b&gt;&quot;');
    expect(response.body).toContain('<td class="unhealthy">unhealthy</td>');
  });

  it('queues a resync from the form', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/admin/resync', headers: FORM, payload: 'mode=incremental' });

    expect(response.statusCode).toBe(303);
    expect(server.resyncCalls).toEqual(['incremental']);
    const location = response.headers.location ?? '';
    expect(location).toMatch(/^\/admin\?notice=resync-queued&mode=incremental&jobId=\d+$/);

    const page = await server.app.inject({ method: 'GET', url: location, headers: BASIC_AUTH });
    expect(page.body).toContain('Resync queued: incremental sync');
  });

  it('approves a plan from the form', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/admin/plans/plan-held-1/approve',
      headers: FORM,
      payload: 'approvedBy=Grace+Hopper',
    });

    expect(response.statusCode).toBe(303);
    expect(server.approveCalls).toEqual([{ planId: 'plan-held-1', approvedBy: 'Grace Hopper' }]);
    expect(response.headers.location).toMatch(/^\/admin\?notice=plan-approved&planId=plan-held-1&jobId=\d+$/);
  });

  it('reports an unknown plan from the form', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/admin/plans/plan-gone/approve',
      headers: FORM,
      payload: 'approvedBy=Grace',
    });

    expect(response.statusCode).toBe(303);
    const page = await server.app.inject({ method: 'GET', url: response.headers.location ?? '', headers: BASIC_AUTH });
    expect(page.body).toContain('No held plan has id <code>plan-gone</code>');
  });

  it('rejects an invalid form', async () => {
    const badMode = await server.app.inject({ method: 'POST', url: '/admin/resync', headers: FORM, payload: 'mode=sideways' });
    const noApprover = await server.app.inject({
      method: 'POST',
      url: '/admin/plans/plan-held-1/approve',
      headers: FORM,
      payload: '',
    });

    expect(badMode.statusCode).toBe(400);
    expect(badMode.json().message).toBe('The body field "mode" must be one of: full, incremental.');
    expect(noApprover.statusCode).toBe(400);
    expect(noApprover.json().message).toContain('"approvedBy" is missing');
    expect(server.resyncCalls).toEqual([]);
    expect(server.approveCalls).toEqual([]);
  });
});
