import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { createGroup, createUser, memberIds, patchBody, PATCH_SCHEMA, scim, startTestEmulator } from './helpers.js';

let emulator: RunningEmulator;
let userId: string;

beforeEach(async () => {
  emulator = await startTestEmulator();
  userId = await createUser(emulator, 'ada', {
    emails: [
      { value: 'ada@example.com', type: 'work', primary: true },
      { value: 'ada.home@example.com', type: 'home' },
    ],
  });
});

afterEach(async () => {
  await emulator.close();
});

async function patchUser(...operations: Record<string, unknown>[]) {
  return scim(emulator, 'PATCH', `/Users/${userId}`, patchBody(...operations));
}

describe('PATCH on users', () => {
  it('accepts op names in any case and value-filter paths', async () => {
    const response = await patchUser(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.l@example.com' },
      { op: 'REPLACE', path: 'name.familyName', value: 'Lovelace' },
    );
    expect(response.status).toBe(200);
    expect(response.body.emails).toEqual([
      { value: 'ada.l@example.com', type: 'work', primary: true },
      { value: 'ada.home@example.com', type: 'home' },
    ]);
    expect(response.body.name).toEqual({ givenName: 'ada', familyName: 'Lovelace' });
  });

  it('applies a no-path replace', async () => {
    const response = await patchUser({ op: 'replace', value: { active: false, name: { givenName: 'Augusta' } } });
    expect(response.body.active).toBe(false);
    // Sub-attributes not named in the value keep their values (RFC 7644 §3.5.2.3).
    expect(response.body.name).toEqual({ givenName: 'Augusta', familyName: 'Test' });
  });

  it('rejects a string boolean', async () => {
    const response = await patchUser({ op: 'Replace', path: 'active', value: 'False' });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });

  it('rejects remove without path as noTarget', async () => {
    const response = await patchUser({ op: 'remove' });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('noTarget');
  });

  it('rejects replace on a filter that matches nothing', async () => {
    const response = await patchUser({ op: 'replace', path: 'emails[type eq "other"].value', value: 'x@example.com' });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('noTarget');
  });

  it('treats a remove that matches nothing as done', async () => {
    const response = await patchUser({ op: 'remove', path: 'emails[type eq "other"]' });
    expect(response.status).toBe(200);
    expect(response.body.emails).toHaveLength(2);
  });

  it('moves primary to an added email', async () => {
    const response = await patchUser({ op: 'add', path: 'emails', value: [{ value: 'ada.new@example.com', type: 'other', primary: true }] });
    const emails = response.body.emails as { value: string; primary?: boolean }[];
    expect(emails.filter((email) => email.primary === true).map((email) => email.value)).toEqual(['ada.new@example.com']);
  });

  it('rejects two primary values', async () => {
    const response = await patchUser({
      op: 'replace',
      path: 'emails',
      value: [
        { value: 'a@example.com', primary: true },
        { value: 'b@example.com', primary: true },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });

  const mutabilityCases: [string, Record<string, unknown>][] = [
    ['id path', { op: 'replace', path: 'id', value: 'other' }],
    ['meta path', { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }],
    ['groups path', { op: 'add', path: 'groups', value: [{ value: 'g' }] }],
    ['id in a no-path value', { op: 'replace', value: { id: 'other' } }],
  ];
  for (const [name, operation] of mutabilityCases) {
    it(`rejects a change to a read-only ${name}`, async () => {
      const response = await patchUser(operation);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe('mutability');
    });
  }

  const syntaxCases: [string, unknown, string][] = [
    ['unknown op', patchBody({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['missing schemas', { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['empty Operations', { schemas: [PATCH_SCHEMA], Operations: [] }, 'invalidSyntax'],
    ['unknown attribute', patchBody({ op: 'replace', path: 'shoeSize', value: 'x' }), 'invalidPath'],
    ['malformed path', patchBody({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 'invalidPath'],
    ['add without value', patchBody({ op: 'add', path: 'title' }), 'invalidValue'],
    ['unknown sub-attribute in a value', patchBody({ op: 'add', path: 'emails', value: [{ value: 'z@example.com', colour: 'red' }] }), 'invalidSyntax'],
  ];
  for (const [name, body, scimType] of syntaxCases) {
    it(`rejects ${name} as ${scimType}`, async () => {
      const response = await scim(emulator, 'PATCH', `/Users/${userId}`, body);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe(scimType);
    });
  }

  it('applies all operations or none', async () => {
    const response = await patchUser({ op: 'replace', path: 'title', value: 'Analyst' }, { op: 'replace', path: 'userName', value: 'ada@elsewhere.example.net' });
    expect(response.status).toBe(400);
    const read = await scim(emulator, 'GET', `/Users/${userId}`);
    expect(read.body.title).toBeUndefined();
  });

  it('honours If-Match', async () => {
    const current = await scim(emulator, 'GET', `/Users/${userId}`);
    const etag = current.headers.get('etag') as string;
    const stale = await scim(emulator, 'PATCH', `/Users/${userId}`, patchBody({ op: 'replace', path: 'title', value: 'x' }), { 'If-Match': 'W/"999"' });
    expect(stale.status).toBe(412);
    expect(stale.body.status).toBe('412');
    const fresh = await scim(emulator, 'PATCH', `/Users/${userId}`, patchBody({ op: 'replace', path: 'title', value: 'x' }), { 'If-Match': etag });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).not.toBe(etag);
  });

  it('sets an enterprise extension attribute by its full path', async () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const response = await patchUser({ op: 'add', path: `${urn}:department`, value: 'Research' });
    expect(response.status).toBe(200);
    expect(response.body[urn]).toEqual({ department: 'Research' });
    expect(response.body.schemas).toContain(urn);
  });
});

describe('PATCH on group members', () => {
  let groupId: string;
  let others: string[];

  beforeEach(async () => {
    others = [await createUser(emulator, 'alan'), await createUser(emulator, 'grace')];
    groupId = await createGroup(emulator, 'Engineering', { members: [{ value: userId }, { value: others[0] }] });
  });

  async function patchGroup(...operations: Record<string, unknown>[]) {
    return scim(emulator, 'PATCH', `/Groups/${groupId}`, patchBody(...operations));
  }

  it('removes only the listed members when remove carries a value', async () => {
    // Microsoft Entra's documented form: path "members" with a value array.
    const response = await patchGroup({ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] });
    expect(response.status).toBe(200);
    expect(await memberIds(emulator, groupId)).toEqual([others[0]]);
  });

  it('removes every member with a bare members path', async () => {
    await patchGroup({ op: 'remove', path: 'members' });
    expect(await memberIds(emulator, groupId)).toEqual([]);
  });

  it('replaces the member list', async () => {
    await patchGroup({ op: 'replace', path: 'members', value: [{ value: others[1] }] });
    expect(await memberIds(emulator, groupId)).toEqual([others[1]]);
  });

  it('adds a member once', async () => {
    await patchGroup({ op: 'add', path: 'members', value: [{ value: userId }, { value: others[1] }] });
    expect(await memberIds(emulator, groupId)).toEqual([userId, ...others].sort());
  });

  it('rejects an unknown member id', async () => {
    const response = await patchGroup({ op: 'add', path: 'members', value: [{ value: 'no-such-user' }] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });

  it('rejects a group as a member', async () => {
    const other = await createGroup(emulator, 'Nested');
    const response = await patchGroup({ op: 'add', path: 'members', value: [{ value: other, type: 'Group' }] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });

  it('rejects rewriting a member value in place', async () => {
    const response = await patchGroup({ op: 'replace', path: `members[value eq "${userId}"].value`, value: others[1] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('mutability');
  });

  it('rejects more operations than the limit as tooMany', async () => {
    emulator.setFaults({ maxPatchOperations: 2 });
    const response = await patchGroup(
      { op: 'add', path: 'members', value: [{ value: others[1] }] },
      { op: 'remove', path: `members[value eq "${userId}"]` },
      { op: 'replace', path: 'displayName', value: 'Eng' },
    );
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('tooMany');
    const withinLimit = await patchGroup({ op: 'replace', path: 'displayName', value: 'Eng' }, { op: 'remove', path: `members[value eq "${userId}"]` });
    expect(withinLimit.status).toBe(200);
  });
});
