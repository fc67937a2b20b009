import { afterEach, describe, expect, it } from 'vitest';
import { sampleReport } from './sample-reports.js';
import { BEARER_AUTH, fakeRenderReport, startTestServer, type TestServer } from './server-harness.js';

async function serverWithReports(withRenderer: boolean): Promise<TestServer> {
  const server = await startTestServer(withRenderer ? { renderReport: fakeRenderReport } : {});
  await server.reports.save(sampleReport({ runId: 'run-1', outcome: 'applied' }));
  await server.reports.save(sampleReport({ runId: 'run-2', outcome: 'failed', error: 'Ably returned 401.' }));
  await server.reports.save(sampleReport({ runId: 'run-3', outcome: 'no-changes' }));
  return server;
}

describe('report routes', () => {
  let server: TestServer;

  afterEach(async () => {
    await server.close();
  });

  it('lists the newest summaries', async () => {
    server = await serverWithReports(false);

    const all = await server.app.inject({ method: 'GET', url: '/api/reports', headers: BEARER_AUTH });
    const limited = await server.app.inject({ method: 'GET', url: '/api/reports?limit=2', headers: BEARER_AUTH });

    expect(all.statusCode).toBe(200);
    expect(all.json().reports.map((report: { runId: string }) => report.runId)).toEqual(['run-3', 'run-2', 'run-1']);
    expect(all.json().reports[1]).toMatchObject({ outcome: 'failed', planId: 'plan-3f9a1c', operationCount: 1 });
    expect(limited.json().reports).toHaveLength(2);
  });

  it.each([
    ['/api/reports?limit=0', 'The query parameter "limit" must be >= 1.'],
    ['/api/reports?limit=many', 'The query parameter "limit" must be of type integer.'],
    ['/api/reports?sort=asc', 'The query parameter "sort" is not recognized.'],
  ])('rejects %s', async (url, message) => {
    server = await serverWithReports(false);

    const response = await server.app.inject({ method: 'GET', url, headers: BEARER_AUTH });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain(message);
  });

  it('serves JSON without a renderer', async () => {
    server = await serverWithReports(false);

    const response = await server.app.inject({ method: 'GET', url: '/api/reports/run-2', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toMatchObject({ runId: 'run-2', outcome: 'failed', error: 'Ably returned 401.' });
  });

  it('returns 406 for HTML without a renderer', async () => {
    server = await serverWithReports(false);

    const byQuery = await server.app.inject({ method: 'GET', url: '/api/reports/run-2?format=html', headers: BEARER_AUTH });
    const byAccept = await server.app.inject({
      method: 'GET',
      url: '/api/reports/run-2',
      headers: { ...BEARER_AUTH, accept: 'text/html' },
    });

    expect(byQuery.statusCode).toBe(406);
    expect(byQuery.json().message).toContain('format=json');
    expect(byAccept.statusCode).toBe(406);
  });

  it('redirects the report page to JSON without a renderer', async () => {
    server = await serverWithReports(false);

    const response = await server.app.inject({ method: 'GET', url: '/reports/run-2', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/api/reports/run-2?format=json');
  });

  it.each([
    ['?format=html', undefined, 'text/html; charset=utf-8', '<h1>Run run-2</h1>'],
    ['?format=markdown', undefined, 'text/markdown; charset=utf-8', '# Run run-2'],
    ['?format=json', undefined, 'application/json; charset=utf-8', '"rendered":true'],
    ['', 'text/html,application/xhtml+xml,*/*;q=0.8', 'text/html; charset=utf-8', '<h1>Run run-2</h1>'],
    ['', 'text/markdown', 'text/markdown; charset=utf-8', '# Run run-2'],
    ['', 'application/json', 'application/json; charset=utf-8', '"rendered":true'],
    ['', undefined, 'application/json; charset=utf-8', '"rendered":true'],
  ])('renders %s with Accept %s', async (query, accept, contentType, text) => {
    server = await serverWithReports(true);

    const headers = accept === undefined ? BEARER_AUTH : { ...BEARER_AUTH, accept };
    const response = await server.app.inject({ method: 'GET', url: `/api/reports/run-2${query}`, headers });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(contentType);
    expect(response.headers.vary).toBe('Accept');
    expect(response.body).toContain(text);
  });

  it('serves the HTML report page', async () => {
    server = await serverWithReports(true);

    const response = await server.app.inject({ method: 'GET', url: '/reports/run-1', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.body).toContain('<h1>Run run-1</h1>');
  });

  it('returns 404 for an unknown run', async () => {
    server = await serverWithReports(true);

    const api = await server.app.inject({ method: 'GET', url: '/api/reports/run-404', headers: BEARER_AUTH });
    const page = await server.app.inject({ method: 'GET', url: '/reports/run-404', headers: BEARER_AUTH });

    expect(api.statusCode).toBe(404);
    expect(api.json().message).toContain('run-404');
    expect(page.statusCode).toBe(404);
  });

  it('rejects an unsafe run id', async () => {
    server = await serverWithReports(true);

    const response = await server.app.inject({ method: 'GET', url: '/api/reports/..%2Fetc', headers: BEARER_AUTH });

    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('The path parameter "runId" must be 1 to 128 letters');
  });

  it('returns 404 JSON for unknown routes', async () => {
    server = await serverWithReports(true);

    const response = await server.app.inject({ method: 'GET', url: '/api/unknown' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
