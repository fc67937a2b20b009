import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startOktaServer, type OktaServer } from '../../src/sandbox/okta-server.js';
import { createSampleDirectory } from '../../src/sandbox/sample-directory.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';
import { findFreePort } from '../support/redis-server.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const CREDENTIALS = { OKTA_API_TOKEN: 'cli-test-token', ABLY_SCIM_USERNAME: 'scim', ABLY_SCIM_PASSWORD: 'cli-test-password' };

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, through tsx, and returns its exit code and output. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

describe('command line', () => {
  let emulator: RunningEmulator;
  let okta: OktaServer;
  let configPath: string;

  beforeAll(async () => {
    emulator = await startEmulator({
      domain: 'example.com',
      accounts: [
        { id: 'acc-prod', name: 'Production' },
        { id: 'acc-staging', name: 'Staging' },
        { id: 'acc-dev', name: 'Development' },
      ],
      primaryAccount: 'acc-prod',
      credentials: { username: CREDENTIALS.ABLY_SCIM_USERNAME, password: CREDENTIALS.ABLY_SCIM_PASSWORD },
    });
    okta = await startOktaServer({ directory: createSampleDirectory({ userCount: 80 }), token: CREDENTIALS.OKTA_API_TOKEN });
    const sample = readFileSync(join(ROOT, 'config/sample.yaml'), 'utf8')
      .replace('http://127.0.0.1:8081', okta.url)
      .replace('http://127.0.0.1:8082/scim/v2', emulator.scimBaseUrl);
    configPath = join(mkdtempSync(join(tmpdir(), 'cli-test-')), 'config.yaml');
    writeFileSync(configPath, `${sample}\nredis:\n  url: ${testRedisUrl()}\n  prefix: ${freshPrefix('cli')}\n`);
  });

  afterAll(async () => {
    await okta.close();
    await emulator.close();
  });

  it('plan prints Markdown and exits 2 for pending changes', async () => {
    const result = await cli(['plan', '--config', configPath], CREDENTIALS);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('# Reconcile plan');
    expect(result.stdout).toContain('provision');
    expect(emulator.stats().writes).toBe(0);
  });

  it('plan prints JSON with a schema version', async () => {
    const result = await cli(['plan', '--config', configPath, '--format', 'json'], CREDENTIALS);
    expect(result.code).toBe(2);
    const plan = JSON.parse(result.stdout) as { schemaVersion: number; status: string };
    expect(plan.schemaVersion).toBe(1);
    expect(plan.status).toBe('changes-pending');
  });

  it('plan writes HTML to a file', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'cli-html-')), 'plan.html');
    const result = await cli(['plan', '--config', configPath, '--format', 'html', '--output', output], CREDENTIALS);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(readFileSync(output, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('run --once applies, then plan exits 0', async () => {
    const applied = await cli(['run', '--once', '--config', configPath], CREDENTIALS);
    expect(applied.code).toBe(0);
    expect(emulator.organization().users.length).toBeGreaterThan(0);

    const after = await cli(['plan', '--config', configPath], CREDENTIALS);
    expect(after.code).toBe(0);
  });

  it('names a missing secret without a stack trace', async () => {
    const result = await cli(['plan', '--config', configPath], { OKTA_API_TOKEN: '', ABLY_SCIM_USERNAME: 'scim', ABLY_SCIM_PASSWORD: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('OKTA_API_TOKEN');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names an invalid configuration key', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'cli-bad-')), 'bad.yaml');
    writeFileSync(broken, readFileSync(configPath, 'utf8').replace('policy:', 'polic:'));
    const result = await cli(['plan', '--config', broken], CREDENTIALS);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown key "polic"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('does not leak the SCIM password on a wrong one', async () => {
    const result = await cli(['plan', '--config', configPath], { ...CREDENTIALS, ABLY_SCIM_PASSWORD: 'wrong-password-value' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SCIM/);
    expect(result.stderr + result.stdout).not.toContain('wrong-password-value');
  });

  it('approve refuses an unknown plan id', async () => {
    const result = await cli(['approve', 'plan-000000000000000000000000', '--by', 'tester', '--config', configPath], CREDENTIALS);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No held plan has the id plan-000000000000000000000000');
  });

  it('plan exits 1 when the IdP is unreachable', async () => {
    const closedPort = await findFreePort();
    const unreachable = join(mkdtempSync(join(tmpdir(), 'cli-idp-')), 'config.yaml');
    const text = readFileSync(configPath, 'utf8').replace(okta.url, `http://127.0.0.1:${closedPort}`).replace('pageSize: 200', 'pageSize: 200\n  maxRetries: 0');
    writeFileSync(unreachable, text);
    const result = await cli(['plan', '--config', unreachable], CREDENTIALS);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Source complete: no');
    expect(result.stderr).toContain('error: the IdP read was incomplete');
  });

  it('names an unreachable Redis instead of hanging', async () => {
    const closedPort = await findFreePort();
    const result = await cli(['run', '--once', '--config', configPath], { ...CREDENTIALS, REDIS_URL: `redis://:hunter2@127.0.0.1:${closedPort}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach Redis at redis://127.0.0.1:${closedPort} (ECONNREFUSED)`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('names a port in use without a stack trace', async () => {
    const result = await cli(['emulator', '--port', String(new URL(emulator.url).port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is already in use');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad port', async () => {
    const result = await cli(['emulator', '--port', 'eighty']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('must be a port number from 0 to 65535');
  });

  it('rejects an unknown command', async () => {
    const result = await cli(['sync-everything']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'sync-everything'");
  });

  it('demo converges and reports no writes on the second sync', async () => {
    const result = await cli(['demo', '--users', '60'], { REDIS_URL: testRedisUrl() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/First sync \(run-[^)]+\): applied, \d+ SCIM write requests/);
    expect(result.stdout).toMatch(/Second sync \(run-[^)]+\): no-changes, 0 SCIM write requests/);
  });
});
