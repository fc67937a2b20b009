import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeReport } from './memory-report-store.js';
import { heldReport, sampleReport } from './sample-reports.js';
import { ADMIN_TOKEN, fakeRenderReport, startTestServer, type TestServer } from './server-harness.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const OUTPUT_DIRECTORY = resolve(process.cwd(), 'test-output');

describe.skipIf(!existsSync(CHROMIUM_PATH))('dashboard in Chromium', () => {
  const outsideRequests: string[] = [];
  let server: TestServer;
  let baseUrl: string;
  let context: BrowserContext;
  let userDataDirectory: string;

  beforeAll(async () => {
    server = await startTestServer({ renderReport: fakeRenderReport });
    await server.reports.save(sampleReport({ runId: 'run-2026-12-04T09-00-00Z', outcome: 'applied' }));
    await server.reports.save(sampleReport({ runId: 'run-2026-12-04T10-00-00Z', outcome: 'failed' }));
    const held = heldReport('plan-7c1e2a', 'run-2026-12-04T11-00-00Z');
    await server.reports.save(held);
    server.heldPlans.push(summarizeReport(held));
    baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });

    userDataDirectory = mkdtempSync(join(tmpdir(), 'ably-idp-sync-chromium-'));
    context = await chromium.launchPersistentContext(userDataDirectory, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // The bull-board page links web fonts on the internet; no name but the loopback address resolves.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
      httpCredentials: { username: 'operator', password: ADMIN_TOKEN },
      viewport: { width: 1280, height: 900 },
    });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(baseUrl)) {
        await route.continue();
        return;
      }
      outsideRequests.push(url);
      await route.abort();
    });
    mkdirSync(OUTPUT_DIRECTORY, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (userDataDirectory !== undefined) {
      rmSync(userDataDirectory, { recursive: true, force: true });
    }
  });

  it('clicks Resync on the admin page', async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin`);

    await expect.poll(() => page.locator('h1').textContent()).toBe('ably-idp-sync admin');
    expect(await page.locator('text=plan-7c1e2a').count()).toBe(1);

    await page.selectOption('#mode', 'incremental');
    await Promise.all([page.waitForURL(/notice=resync-queued/, { timeout: 10_000 }), page.click('button:has-text("Resync")')]);

    expect(server.resyncCalls).toEqual(['incremental']);
    expect(await page.locator('.notice').textContent()).toContain('Resync queued: incremental sync');
    await page.screenshot({ path: join(OUTPUT_DIRECTORY, 'admin.png'), fullPage: true });
    await page.close();
  });

  it('shows the queues in the dashboard', async () => {
    const page = await context.newPage();
    await server.syncQueue.add('full', { mode: 'full', trigger: 'dashboard' });
    await page.goto(`${baseUrl}/admin/queues`);

    // The board renders on the client from its API, so the queue names appear once that call returned.
    await page.getByText('operations', { exact: true }).first().waitFor({ timeout: 15_000 });
    expect(await page.getByText('sync', { exact: true }).count()).toBeGreaterThan(0);
    await page.getByText('Loading...').waitFor({ state: 'hidden', timeout: 15_000 });

    // The page's content security policy keeps the browser from asking any other host, fonts included.
    expect(outsideRequests).toEqual([]);

    const screenshotPath = join(OUTPUT_DIRECTORY, 'dashboard.png');
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(statSync(screenshotPath).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
