import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { basicAuth } from './helpers.js';

const CREDENTIALS = { username: 'scim', password: 'persistence-test' };
const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDataFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'emulator-persistence-'));
  directories.push(directory);
  return join(directory, 'state.sqlite');
}

/** Starts `src/emulator/main.ts` in a child process and waits for its "emulator started" log line. */
async function startChild(dataFile: string): Promise<{ child: ChildProcess; scimBaseUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', '--port', '0', '--data-file', dataFile], {
    cwd: process.cwd(),
    env: { ...process.env, ABLY_SCIM_USERNAME: CREDENTIALS.username, ABLY_SCIM_PASSWORD: CREDENTIALS.password },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  for await (const line of lines) {
    const record = JSON.parse(line) as { msg?: string; url?: string };
    if (record.msg === 'emulator started' && record.url) {
      return { child, scimBaseUrl: `${record.url}/scim/v2` };
    }
  }
  throw new Error('the emulator process exited before it logged "emulator started"');
}

async function request(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: basicAuth(CREDENTIALS.username, CREDENTIALS.password), 'Content-Type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('persistence', () => {
  it('keeps every answered write across a SIGKILL', async () => {
    const dataFile = temporaryDataFile();
    const first = await startChild(dataFile);
    const user = await request(first.scimBaseUrl, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com' });
    expect(user.status).toBe(201);
    const group = await request(first.scimBaseUrl, 'POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      members: [{ value: user.body.id }],
    });
    expect(group.status).toBe(201);
    const patched = await request(first.scimBaseUrl, 'PATCH', `/Users/${user.body.id as string}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(patched.status).toBe(200);

    first.child.kill('SIGKILL');
    await exited(first.child);

    const second = await startChild(dataFile);
    const readUser = await request(second.scimBaseUrl, 'GET', `/Users/${user.body.id as string}`);
    expect(readUser.status).toBe(200);
    expect(readUser.body.active).toBe(false);
    expect((readUser.body.meta as Record<string, unknown>).version).toBe((patched.body.meta as Record<string, unknown>).version);
    const readGroup = await request(second.scimBaseUrl, 'GET', `/Groups/${group.body.id as string}`);
    expect((readGroup.body.members as { value: string }[]).map((member) => member.value)).toEqual([user.body.id]);

    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
  });

  it('keeps state across a clean stop and restart in process', async () => {
    const dataFile = temporaryDataFile();
    const options = {
      domain: 'example.com',
      accounts: [{ id: 'prod', name: 'Production' }],
      primaryAccount: 'prod',
      credentials: CREDENTIALS,
      dataFile,
    };
    const first = await startEmulator(options);
    const created = await request(first.scimBaseUrl, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'grace@example.com' });
    const deletedLater = await request(first.scimBaseUrl, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'gone@example.com' });
    await request(first.scimBaseUrl, 'DELETE', `/Users/${deletedLater.body.id as string}`);
    await first.close();

    const second = await startEmulator(options);
    try {
      expect(second.organization().users.map((user) => user.id)).toEqual([created.body.id]);
      expect(second.organization().users[0]?.roles).toEqual({ prod: { direct: ['Developer'], inherited: [], effective: ['Developer'] } });
    } finally {
      await second.close();
    }
  });
});
