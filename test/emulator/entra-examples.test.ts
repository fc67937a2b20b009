import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { loadFixture, rewriteEmailDomains } from './fixtures.js';
import { createUser, ERROR_SCHEMA, scim, startTestEmulator } from './helpers.js';

/**
 * Replays Microsoft Entra's documented SCIM requests, in order, against an
 * emulator whose registered domain is testuser.com, the domain of most of
 * Entra's examples. Entra's user names without a domain and its
 * microsoft.com address are moved into testuser.com first. A separate test
 * shows that the domain rule rejects them as they are.
 */

interface Example {
  name: string;
  request: { method: string; path: string; body?: Record<string, unknown> };
  response: { status: number; body?: Record<string, unknown> };
}

type Json = Record<string, unknown>;

const examples = loadFixture<{ examples: Example[] }>('entra-docs/extracted/entra-scim-requests-responses.json').examples;
const DOMAIN = 'testuser.com';
const USER_PATH_IDS = ['5171a35d82074e068ce2', '6764549bef60420686bc'];
const GROUP_PATH_IDS = ['40734ae655284ad3abcc', 'fa2ce26709934589afc5', 'a99962b9f99d4c4fac67', 'cdb1ce18f65944079d37'];
const MEMBER_ID = 'f648f8d5ea4e4cd38e9c';

/** The status each example gets here and what else to check. Entra's group PATCH examples show 204; RFC 7644 §3.5.2 allows 200 with the resource, which this emulator returns. */
const expectations: Record<string, { status: number; check?: (body: Json, documented: Json | undefined) => void }> = {
  'Create User': { status: 201, check: (body, documented) => expectKeysOf(documented, body) },
  'Get User (not found)': { status: 404, check: (body) => expect(body.schemas).toEqual([ERROR_SCHEMA]) },
  'Get User by query': { status: 200, check: (body, documented) => {
    expect(body.totalResults).toBe(1);
    expectKeysOf(documented, body);
  } },
  'Get User by query - zero results': { status: 200, check: (body) => expect(body.totalResults).toBe(0) },
  'Update User [multi-valued]': { status: 200, check: (body) => {
    expect(body.emails).toEqual([{ value: `updatedEmail@${DOMAIN}`, type: 'work', primary: true }]);
    expect((body.name as Json).familyName).toBe('updatedFamilyName');
  } },
  'Update User [single-valued]': { status: 200, check: (body) => expect(body.userName).toBe(`5b50642d-79fc-4410-9e90-4c077cdd1a59@${DOMAIN}`) },
  'Disable User': { status: 200, check: (body) => expect(body.active).toBe(false) },
  'Delete User': { status: 204 },
  'Create Group': { status: 201, check: (body, documented) => {
    expect(body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group']);
    expectKeysOf(documented, body);
  } },
  'Get Group': { status: 200, check: (body, documented) => expect(Object.keys(body).sort()).toEqual(Object.keys(documented ?? {}).sort()) },
  'Get Group by displayName': { status: 200, check: (body) => {
    expect(body.totalResults).toBe(1);
    expect((body.Resources as Json[])[0]?.members).toBeUndefined();
  } },
  'Update Group [non-member attributes]': { status: 200, check: (body) => expect(body.displayName).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName') },
  'Update Group [add members]': { status: 200, check: (body) => expect((body.members as Json[]).length).toBe(1) },
  'Update Group [remove members]': { status: 200, check: (body) => expect(body.members).toEqual([]) },
  'Delete Group': { status: 204 },
};

function expectKeysOf(documented: Json | undefined, actual: Json): void {
  for (const key of Object.keys(documented ?? {})) expect(Object.keys(actual), key).toContain(key);
}

function toRegisteredDomain<T>(value: T): T {
  const rewritten = rewriteEmailDomains(value, DOMAIN);
  // Entra's example user names are bare ids such as Test_User_00aa…; its email addresses already have a domain.
  return JSON.parse(JSON.stringify(rewritten).replace(/(Test_User_[0-9a-f-]+)(?![0-9a-f@-])/g, `$1@${DOMAIN}`)) as T;
}

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ domain: DOMAIN });
});

afterAll(async () => {
  await emulator.close();
});

describe('Microsoft Entra documented requests', () => {
  it('has an expectation for every example', () => {
    expect(examples.map((example) => example.name).sort()).toEqual(Object.keys(expectations).sort());
  });

  it('rejects the user examples as they are, outside the registered domain', async () => {
    const create = examples.find((example) => example.name === 'Create User') as Example;
    const asIs = await scim(emulator, 'POST', '/Users', create.request.body);
    expect(asIs.status).toBe(400);
    expect(asIs.body.scimType).toBe('invalidValue');

    const id = await createUser(emulator, `someone@${DOMAIN}`);
    const update = examples.find((example) => example.name === 'Update User [multi-valued]') as Example;
    const foreignEmail = await scim(emulator, 'PATCH', `/Users/${id}`, update.request.body);
    expect(foreignEmail.status).toBe(400);
    expect(foreignEmail.body.scimType).toBe('invalidValue');
    await scim(emulator, 'DELETE', `/Users/${id}`);
  });

  it('replays the examples in order', async () => {
    const memberId = await createUser(emulator, `member@${DOMAIN}`);
    let userId = '';
    let groupId = '';

    for (const example of examples) {
      const expectation = expectations[example.name];
      expect(expectation, example.name).toBeDefined();
      let path = example.request.path;
      if (example.name !== 'Get User (not found)') {
        for (const id of USER_PATH_IDS) path = path.replace(id, userId);
      }
      for (const id of GROUP_PATH_IDS) path = path.replace(id, groupId);
      const body = example.request.body ? JSON.parse(JSON.stringify(toRegisteredDomain(example.request.body)).split(MEMBER_ID).join(memberId)) : undefined;
      const response = await scim(emulator, example.request.method, toRegisteredDomain(path), body);

      expect(response.status, example.name).toBe(expectation?.status);
      expectation?.check?.(response.body, example.response.body);

      if (example.name === 'Create User') userId = response.body.id as string;
      if (example.name === 'Create Group') groupId = response.body.id as string;
    }
  });
});
