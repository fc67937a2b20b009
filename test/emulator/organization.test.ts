import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { basicAuth, createGroup, createUser, GROUP_SCHEMA, patchBody, ROLE_URN, scim, startTestEmulator, TEST_CREDENTIALS } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startTestEmulator();
});

afterEach(async () => {
  await emulator.close();
});

function linkBody(displayName: string, accounts: unknown[], members: string[] = []): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA, ROLE_URN],
    displayName,
    members: members.map((value) => ({ value })),
    [ROLE_URN]: { accounts },
  };
}

describe('roles', () => {
  it('makes a new user a Developer of the primary account', async () => {
    const id = await createUser(emulator, 'ada');
    const user = emulator.organization().users.find((candidate) => candidate.id === id);
    expect(user?.roles).toEqual({ 'acc-prod': { direct: ['Developer'], inherited: [], effective: ['Developer'] } });
  });

  it('grants roles through group links and shows them apart from direct roles', async () => {
    const ada = await createUser(emulator, 'ada');
    const alan = await createUser(emulator, 'alan');
    const created = await scim(emulator, 'POST', '/Groups', linkBody('SRE', [
      { value: 'acc-prod', roles: ['Admin'] },
      { value: 'acc-stage', roles: ['Developer', 'Billing'] },
    ], [ada]));
    expect(created.status).toBe(201);
    expect(created.body[ROLE_URN]).toEqual({
      accounts: [
        { value: 'acc-prod', display: 'Production', roles: ['Admin'] },
        { value: 'acc-stage', display: 'Staging', roles: ['Developer', 'Billing'] },
      ],
    });

    const users = emulator.organization().users;
    expect(users.find((user) => user.id === ada)?.roles).toEqual({
      'acc-prod': { direct: ['Developer'], inherited: ['Admin'], effective: ['Admin', 'Developer'] },
      'acc-stage': { direct: [], inherited: ['Billing', 'Developer'], effective: ['Billing', 'Developer'] },
    });
    expect(users.find((user) => user.id === alan)?.roles).toEqual({ 'acc-prod': { direct: ['Developer'], inherited: [], effective: ['Developer'] } });

    // A member added later is provisioned into the linked accounts too.
    await scim(emulator, 'PATCH', `/Groups/${created.body.id as string}`, patchBody({ op: 'add', path: 'members', value: [{ value: alan }] }));
    expect(emulator.organization().users.find((user) => user.id === alan)?.roles['acc-stage']?.effective).toEqual(['Billing', 'Developer']);
  });

  const rejected: [string, unknown[]][] = [
    ['an unknown account', [{ value: 'acc-nope', roles: ['Admin'] }]],
    ['Owner', [{ value: 'acc-prod', roles: ['Owner'] }]],
    ['an unknown role', [{ value: 'acc-prod', roles: ['Superuser'] }]],
    ['no roles', [{ value: 'acc-prod', roles: [] }]],
    ['one account twice', [{ value: 'acc-prod', roles: ['Admin'] }, { value: 'acc-prod', roles: ['Billing'] }]],
  ];
  for (const [name, accounts] of rejected) {
    it(`rejects a link with ${name}`, async () => {
      const response = await scim(emulator, 'POST', '/Groups', linkBody('Linked', accounts));
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('invalidValue');
      expect(emulator.organization().groups).toEqual([]);
    });
  }

  it('changes links with PATCH on the extension', async () => {
    const ada = await createUser(emulator, 'ada');
    const group = await createGroup(emulator, 'Finance', { members: [{ value: ada }] });
    const replaced = await scim(emulator, 'PATCH', `/Groups/${group}`, patchBody({ op: 'replace', path: `${ROLE_URN}:accounts`, value: [{ value: 'acc-dev', roles: ['Billing'] }] }));
    expect(replaced.status).toBe(200);
    expect(emulator.organization().users[0]?.roles['acc-dev']?.inherited).toEqual(['Billing']);

    const owner = await scim(emulator, 'PATCH', `/Groups/${group}`, patchBody({ op: 'replace', path: ROLE_URN, value: { accounts: [{ value: 'acc-dev', roles: ['Owner'] }] } }));
    expect(owner.status).toBe(400);
    expect(owner.body.scimType).toBe('invalidValue');

    const removed = await scim(emulator, 'PATCH', `/Groups/${group}`, patchBody({ op: 'remove', path: `${ROLE_URN}:accounts[value eq "acc-dev"]` }));
    expect(removed.status).toBe(200);
    expect(emulator.organization().users[0]?.roles['acc-dev']).toBeUndefined();
  });
});

describe('admin API', () => {
  async function admin(method: string, path: string, body?: unknown, authorization = basicAuth(TEST_CREDENTIALS.username, TEST_CREDENTIALS.password)) {
    return fetch(`${emulator.url}${path}`, {
      method,
      headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  it('requires Basic authentication', async () => {
    const response = await admin('GET', '/admin', undefined, basicAuth('scim-test', 'nope'));
    expect(response.status).toBe(401);
  });

  it('returns the organization view', async () => {
    await createUser(emulator, 'ada');
    const response = await admin('GET', '/admin/api/organization');
    expect(response.status).toBe(200);
    const view = (await response.json()) as ReturnType<RunningEmulator['organization']>;
    expect(view).toEqual(emulator.organization());
    expect(view.accounts).toEqual([
      { id: 'acc-prod', name: 'Production', isPrimary: true },
      { id: 'acc-stage', name: 'Staging', isPrimary: false },
      { id: 'acc-dev', name: 'Development', isPrimary: false },
    ]);
  });

  it('renders the page with escaped values', async () => {
    await createUser(emulator, 'ada', { externalId: '<script>alert(1)</script>' });
    await createGroup(emulator, 'R&D <team>');
    const response = await admin('GET', '/admin');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('ada@example.com');
    expect(html).toContain('R&#38;D &#60;team&#62;');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('reads and resets stats', async () => {
    await scim(emulator, 'GET', '/Users');
    const stats = await admin('GET', '/admin/api/stats');
    expect(await stats.json()).toEqual({ total: 1, reads: 1, writes: 0, byMethod: { GET: 1 } });
    expect((await admin('POST', '/admin/api/stats/reset')).status).toBe(204);
    expect(emulator.stats().total).toBe(0);
  });

  it('sets and clears faults', async () => {
    const set = await admin('PUT', '/admin/api/faults', { serverError: { next: 1, status: 500 } });
    expect(set.status).toBe(200);
    expect((await scim(emulator, 'GET', '/Users')).status).toBe(500);
    expect((await scim(emulator, 'GET', '/Users')).status).toBe(200);
    await admin('PUT', '/admin/api/faults', { rateLimit: { next: 5 } });
    expect((await admin('DELETE', '/admin/api/faults')).status).toBe(204);
    expect((await scim(emulator, 'GET', '/Users')).status).toBe(200);
    const invalid = await admin('PUT', '/admin/api/faults', { rateLimit: { next: -1 } });
    expect(invalid.status).toBe(400);
  });

  it('offers no way to write users', async () => {
    const response = await admin('POST', '/admin/api/organization', { users: [] });
    expect(response.status).toBe(404);
  });
});
