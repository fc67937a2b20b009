import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlanHtml } from '../../src/reports/index.js';
import { samplePlan } from './sample-plan.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
// No network features: the page is a local file and must not need anything else.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT_PATH = join(process.cwd(), 'test-output', 'plan-report.png');

describe('plan HTML report in Chromium', () => {
  let workDirectory: string;
  let context: BrowserContext;
  const plan = samplePlan({ maxRemovals: 0 });

  beforeAll(async () => {
    workDirectory = mkdtempSync(join(tmpdir(), 'plan-report-'));
    // Playwright takes the profile folder here, in place of a --user-data-dir argument.
    context = await chromium.launchPersistentContext(join(workDirectory, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(workDirectory, { recursive: true, force: true });
  });

  it('shows summary, hold and operations', async () => {
    const file = join(workDirectory, 'plan.html');
    writeFileSync(file, renderPlanHtml(plan, { emails: 'masked' }));
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);

    await expect.poll(() => page.locator('#summary').isVisible()).toBe(true);
    expect(await page.locator('#hold').innerText()).toContain('Held for approval.');
    expect(await page.locator('#counts tr', { hasText: 'provision' }).first().innerText()).toMatch(/provision\s+17/);
    expect(await page.locator('#accounts').innerText()).toContain('Production');
    expect(await page.locator('#operations tr[data-kind]').count()).toBe(plan.operations.length);
    expect(await page.locator('tr[data-kind="deprovision"]').innerText()).toContain('absent-from-idp');
    expect(await page.locator('#access').innerText()).toContain('dev: Admin; prod: Developer');
    expect(await page.locator('#notices').isVisible()).toBe(true);
    // The hostile group name must render as text, never as markup.
    expect(await page.locator('#operations script').count()).toBe(0);
    expect(await page.locator('#operations').innerText()).toContain('Platform <script>alert(1)</script> & *ops*');
    expect(requests).toEqual([pathToFileURL(file).href]);

    mkdirSync(join(process.cwd(), 'test-output'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    await page.close();
  });
});
