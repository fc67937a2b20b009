import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { basicAuth, createGroup, createUser, ERROR_SCHEMA, ROLE_URN, scim, startTestEmulator, USER_SCHEMA } from './helpers.js';

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startTestEmulator();
});

afterEach(async () => {
  await emulator.close();
});

describe('discovery', () => {
  it('serves the service provider configuration', async () => {
    const response = await scim(emulator, 'GET', '/ServiceProviderConfig');
    expect(response.status).toBe(200);
    expect(response.body.patch).toEqual({ supported: true });
    expect(response.body.bulk).toMatchObject({ supported: false });
    expect(response.body.filter).toEqual({ supported: true, maxResults: 200 });
    expect(response.body.etag).toEqual({ supported: true });
    expect(response.body.sort).toEqual({ supported: true });
  });

  it('advertises a maxResults fault', async () => {
    emulator.setFaults({ maxResults: 25 });
    const response = await scim(emulator, 'GET', '/ServiceProviderConfig');
    expect(response.body.filter).toEqual({ supported: true, maxResults: 25 });
  });

  it('lists resource types with the role extension', async () => {
    const response = await scim(emulator, 'GET', '/ResourceTypes');
    const types = response.body.Resources as { name: string; schemaExtensions: { schema: string }[] }[];
    expect(types.map((type) => type.name)).toEqual(['User', 'Group']);
    expect(types[1]?.schemaExtensions.map((extension) => extension.schema)).toEqual([ROLE_URN]);
    const group = await scim(emulator, 'GET', '/ResourceTypes/Group');
    expect(group.body.endpoint).toBe('/Groups');
  });

  it('lists schemas and serves one by URN', async () => {
    const response = await scim(emulator, 'GET', '/Schemas');
    const ids = (response.body.Resources as { id: string }[]).map((schema) => schema.id);
    expect(ids).toContain(ROLE_URN);
    expect(ids).toContain(USER_SCHEMA);
    const one = await scim(emulator, 'GET', `/Schemas/${ROLE_URN}`);
    expect(one.status).toBe(200);
    expect((one.body.attributes as { name: string }[])[0]?.name).toBe('accounts');
    const missing = await scim(emulator, 'GET', '/Schemas/urn:example:none');
    expect(missing.status).toBe(404);
  });

  it('answers a filter on discovery endpoints with 403', async () => {
    const response = await scim(emulator, 'GET', '/ServiceProviderConfig?filter=patch%20pr');
    expect(response.status).toBe(403);
  });

  it('omits the role extension when it is switched off', async () => {
    const plain = await startTestEmulator({ roleExtension: false });
    try {
      const schemas = await scim(plain, 'GET', '/Schemas');
      expect((schemas.body.Resources as { id: string }[]).map((schema) => schema.id)).not.toContain(ROLE_URN);
      const created = await scim(plain, 'POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', ROLE_URN],
        displayName: 'Linked',
        [ROLE_URN]: { accounts: [{ value: 'acc-prod', roles: ['Admin'] }] },
      });
      expect(created.status).toBe(400);
      expect(created.body.scimType).toBe('invalidValue');
      const id = await createGroup(plain, 'Plain');
      const patched = await scim(plain, 'PATCH', `/Groups/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: `${ROLE_URN}:accounts`, value: [{ value: 'acc-prod', roles: ['Admin'] }] }],
      });
      expect(patched.status).toBe(400);
      expect(patched.body.scimType).toBe('invalidPath');
    } finally {
      await plain.close();
    }
  });

  it('serves the extension under a configured URN', async () => {
    const urn = 'urn:example:ably:2.0:Access';
    const custom = await startTestEmulator({ roleExtensionUrn: urn });
    try {
      const schema = await scim(custom, 'GET', `/Schemas/${urn}`);
      expect(schema.status).toBe(200);
    } finally {
      await custom.close();
    }
  });
});

describe('authentication and HTTP errors', () => {
  it('answers 401 without credentials or with wrong ones', async () => {
    const none = await fetch(`${emulator.scimBaseUrl}/Users`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(((await none.json()) as Record<string, unknown>).schemas).toEqual([ERROR_SCHEMA]);
    const wrong = await fetch(`${emulator.scimBaseUrl}/Users`, { headers: { Authorization: basicAuth('scim-test', 'wrong') } });
    expect(wrong.status).toBe(401);
  });

  it('rejects invalid JSON as invalidSyntax', async () => {
    const response = await scim(emulator, 'POST', '/Users', '{"schemas": [');
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidSyntax');
  });

  it('rejects a non-JSON content type', async () => {
    const response = await scim(emulator, 'POST', '/Users', 'userName=a', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
  });

  it('answers bulk with 501', async () => {
    const response = await scim(emulator, 'POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] });
    expect(response.status).toBe(501);
    expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  it('answers an unknown path with 404 and a wrong method with 405', async () => {
    expect((await scim(emulator, 'GET', '/Widgets')).status).toBe(404);
    const wrongMethod = await scim(emulator, 'DELETE', '/Users');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  const invalidBodies: [string, unknown, string][] = [
    ['missing schemas', { userName: 'a@example.com' }, 'invalidSyntax'],
    ['an unknown attribute', { schemas: [USER_SCHEMA], userName: 'a@example.com', shoeSize: 42 }, 'invalidSyntax'],
    ['attributes under an unknown URN', { schemas: [USER_SCHEMA], userName: 'a@example.com', 'urn:example:x:2.0:User': { a: 1 } }, 'invalidValue'],
    ['a missing userName', { schemas: [USER_SCHEMA], displayName: 'A' }, 'invalidValue'],
    ['a string boolean', { schemas: [USER_SCHEMA], userName: 'a@example.com', active: 'true' }, 'invalidValue'],
    ['a scalar for a multi-valued attribute', { schemas: [USER_SCHEMA], userName: 'a@example.com', emails: 'a@example.com' }, 'invalidValue'],
    ['a number for a string', { schemas: [USER_SCHEMA], userName: 'a@example.com', title: 7 }, 'invalidValue'],
  ];
  for (const [name, body, scimType] of invalidBodies) {
    it(`rejects a user with ${name} as ${scimType}`, async () => {
      const response = await scim(emulator, 'POST', '/Users', body);
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe(scimType);
    });
  }

  it('ignores read-only attributes and discards the password', async () => {
    const response = await scim(emulator, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      id: 'chosen-by-client',
      userName: 'a@example.com',
      password: 'hunter2',
      groups: [],
      meta: { resourceType: 'User' },
    });
    expect(response.status).toBe(201);
    expect(response.body.id).not.toBe('chosen-by-client');
    expect(response.body.password).toBeUndefined();
  });

  it('rejects a PUT that changes id', async () => {
    const id = await createUser(emulator, 'ada');
    const response = await scim(emulator, 'PUT', `/Users/${id}`, { schemas: [USER_SCHEMA], id: 'other', userName: 'ada@example.com' });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('mutability');
  });

  it('answers If-None-Match with 304 and a stale If-Match with 412', async () => {
    const id = await createUser(emulator, 'ada');
    const read = await scim(emulator, 'GET', `/Users/${id}`);
    const etag = read.headers.get('etag') as string;
    expect(etag).toMatch(/^W\/"\d+"$/);
    const notModified = await fetch(`${emulator.scimBaseUrl}/Users/${id}`, { headers: { Authorization: basicAuth('scim-test', 'emulator-test-password'), 'If-None-Match': etag } });
    expect(notModified.status).toBe(304);
    const stale = await scim(emulator, 'DELETE', `/Users/${id}`, undefined, { 'If-Match': 'W/"0"' });
    expect(stale.status).toBe(412);
    const deleted = await scim(emulator, 'DELETE', `/Users/${id}`, undefined, { 'If-Match': etag });
    expect(deleted.status).toBe(204);
  });
});

describe('queries', () => {
  beforeEach(async () => {
    await createUser(emulator, 'carol', { title: 'Engineer' });
    await createUser(emulator, 'alice');
    await createUser(emulator, 'bob', { title: 'Analyst' });
  });

  it('returns only the requested attributes', async () => {
    const response = await scim(emulator, 'GET', '/Users?attributes=userName,name.givenName&sortBy=userName');
    const first = (response.body.Resources as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(['id', 'name', 'schemas', 'userName']);
    expect(first.name).toEqual({ givenName: 'alice' });
  });

  it('leaves out excluded attributes', async () => {
    const response = await scim(emulator, 'GET', '/Users?excludedAttributes=emails,meta');
    const first = (response.body.Resources as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(first.emails).toBeUndefined();
    expect(first.meta).toBeUndefined();
    expect(first.id).toBeDefined();
  });

  it('rejects an unknown attribute in attributes', async () => {
    const response = await scim(emulator, 'GET', '/Users?attributes=shoeSize');
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidPath');
  });

  it('sorts ascending and descending, missing values last when ascending', async () => {
    const ascending = await scim(emulator, 'GET', '/Users?sortBy=title');
    expect((ascending.body.Resources as { userName: string }[]).map((user) => user.userName)).toEqual(['bob@example.com', 'carol@example.com', 'alice@example.com']);
    const descending = await scim(emulator, 'GET', '/Users?sortBy=title&sortOrder=descending');
    expect((descending.body.Resources as { userName: string }[]).map((user) => user.userName)).toEqual(['alice@example.com', 'carol@example.com', 'bob@example.com']);
    const invalid = await scim(emulator, 'GET', '/Users?sortBy=title&sortOrder=up');
    expect(invalid.status).toBe(400);
  });

  it('searches with POST .search on a type and at the root', async () => {
    await createGroup(emulator, 'alpha team');
    const typed = await scim(emulator, 'POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      attributes: ['userName'],
      filter: 'userName sw "a"',
      startIndex: 1,
      count: 10,
    });
    expect(typed.status).toBe(200);
    expect(typed.body.totalResults).toBe(1);
    const root = await scim(emulator, 'POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'displayName sw "alpha" or userName sw "bob"',
    });
    expect(root.body.totalResults).toBe(2);
    const metaRoot = await scim(emulator, 'POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'meta.resourceType eq "Group"' });
    expect(metaRoot.body.totalResults).toBe(1);
  });

  it('rejects an invalid filter and an invalid startIndex', async () => {
    const filter = await scim(emulator, 'GET', `/Users?filter=${encodeURIComponent('userName eq')}`);
    expect(filter.status).toBe(400);
    expect(filter.body.scimType).toBe('invalidFilter');
    const startIndex = await scim(emulator, 'GET', '/Users?startIndex=first');
    expect(startIndex.status).toBe(400);
    expect(startIndex.body.scimType).toBe('invalidValue');
  });

  it('reads startIndex below 1 as 1 and caps count at maxResults', async () => {
    emulator.setFaults({ maxResults: 2 });
    const response = await scim(emulator, 'GET', '/Users?startIndex=-4&count=50');
    expect(response.body.startIndex).toBe(1);
    expect(response.body.itemsPerPage).toBe(2);
    expect(response.body.totalResults).toBe(3);
  });
});

describe('more protocol cases', () => {
  it('projects the POST response with attributes', async () => {
    const response = await scim(emulator, 'POST', '/Users?attributes=userName', { schemas: [USER_SCHEMA], userName: 'ada@example.com', title: 'Countess' });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('rejects root search attributes no type has', async () => {
    const response = await scim(emulator, 'POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], attributes: ['shoeSize'] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidPath');
  });

  it('accepts If-Match with a wildcard', async () => {
    const id = await createUser(emulator, 'ada');
    const response = await scim(emulator, 'DELETE', `/Users/${id}`, undefined, { 'If-Match': '*' });
    expect(response.status).toBe(204);
  });

  it('lists a user\'s groups and filters on them', async () => {
    const ada = await createUser(emulator, 'ada');
    await createUser(emulator, 'alan');
    const group = await createGroup(emulator, 'Engineering', { members: [{ value: ada }] });
    const read = await scim(emulator, 'GET', `/Users/${ada}`);
    expect(read.body.groups).toEqual([{ value: group, $ref: `${emulator.scimBaseUrl}/Groups/${group}`, display: 'Engineering', type: 'direct' }]);
    const filtered = await scim(emulator, 'GET', `/Users?filter=${encodeURIComponent(`groups.value eq "${group}"`)}`);
    expect((filtered.body.Resources as { id: string }[]).map((user) => user.id)).toEqual([ada]);
  });

  it('finds users by externalId case-sensitively', async () => {
    await createUser(emulator, 'ada', { externalId: '00uAbC' });
    const exact = await scim(emulator, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "00uAbC"')}`);
    expect(exact.body.totalResults).toBe(1);
    const otherCase = await scim(emulator, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "00uabc"')}`);
    expect(otherCase.body.totalResults).toBe(0);
  });

  it('leaves members out with excludedAttributes', async () => {
    const ada = await createUser(emulator, 'ada');
    const group = await createGroup(emulator, 'Engineering', { members: [{ value: ada }] });
    const read = await scim(emulator, 'GET', `/Groups/${group}?excludedAttributes=members`);
    expect(read.body.members).toBeUndefined();
    expect(read.body.displayName).toBe('Engineering');
  });

  it('replaces members and links with PUT', async () => {
    const ada = await createUser(emulator, 'ada');
    const alan = await createUser(emulator, 'alan');
    const group = await createGroup(emulator, 'Engineering', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', ROLE_URN],
      members: [{ value: ada }],
      [ROLE_URN]: { accounts: [{ value: 'acc-prod', roles: ['Admin'] }] },
    });
    const replaced = await scim(emulator, 'PUT', `/Groups/${group}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Engineering', members: [{ value: alan }] });
    expect(replaced.status).toBe(200);
    expect((replaced.body.members as { value: string }[]).map((member) => member.value)).toEqual([alan]);
    expect(replaced.body[ROLE_URN]).toBeUndefined();
    expect(emulator.organization().users.find((user) => user.id === ada)?.roles['acc-prod']?.inherited).toEqual([]);
  });

  it('keeps users when their group is deleted', async () => {
    const ada = await createUser(emulator, 'ada');
    const group = await createGroup(emulator, 'Engineering', { members: [{ value: ada }] });
    expect((await scim(emulator, 'DELETE', `/Groups/${group}`)).status).toBe(204);
    const read = await scim(emulator, 'GET', `/Users/${ada}`);
    expect(read.status).toBe(200);
    expect(read.body.groups).toBeUndefined();
  });

  it('answers paths outside SCIM and admin with 404', async () => {
    const response = await fetch(`${emulator.url}/v2/Users`);
    expect(response.status).toBe(404);
  });
});

describe('startEmulator options', () => {
  const invalid: [string, Record<string, unknown>][] = [
    ['an unknown primary account', { primaryAccount: 'acc-none' }],
    ['no accounts', { accounts: [], primaryAccount: 'acc-prod' }],
    ['a duplicate account id', { accounts: [{ id: 'a', name: 'A' }, { id: 'a', name: 'B' }], primaryAccount: 'a' }],
    ['an email as domain', { domain: 'ops@example.com' }],
  ];
  for (const [name, overrides] of invalid) {
    it(`rejects ${name}`, async () => {
      await expect(startTestEmulator(overrides)).rejects.toMatchObject({ code: 'CONFIGURATION' });
    });
  }
});

describe('malformed requests', () => {
  it('answers a malformed percent-encoding with 404', async () => {
    const response = await scim(emulator, 'GET', '/Users/%E0%A4%A');
    expect(response.status).toBe(404);
    expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  it('rejects an empty body as invalidSyntax', async () => {
    const response = await scim(emulator, 'POST', '/Users', '');
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidSyntax');
  });
});

describe('projection of extension attributes', () => {
  let groupId: string;

  beforeEach(async () => {
    groupId = await createGroup(emulator, 'Linked', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', ROLE_URN],
      [ROLE_URN]: { accounts: [{ value: 'acc-prod', roles: ['Admin'] }] },
    });
  });

  it('returns a whole extension by its URN', async () => {
    const response = await scim(emulator, 'GET', `/Groups/${groupId}?attributes=${ROLE_URN}`);
    expect(Object.keys(response.body).sort()).toEqual(['id', 'schemas', ROLE_URN].sort());
    expect(response.body[ROLE_URN]).toEqual({ accounts: [{ value: 'acc-prod', display: 'Production', roles: ['Admin'] }] });
  });

  it('returns one extension sub-attribute', async () => {
    const response = await scim(emulator, 'GET', `/Groups/${groupId}?attributes=${ROLE_URN}:accounts.roles`);
    expect(response.body[ROLE_URN]).toEqual({ accounts: [{ roles: ['Admin'] }] });
  });

  it('leaves out an excluded extension', async () => {
    const response = await scim(emulator, 'GET', `/Groups/${groupId}?excludedAttributes=${ROLE_URN}`);
    expect(response.body[ROLE_URN]).toBeUndefined();
    expect(response.body.displayName).toBe('Linked');
  });

  it('filters groups on a linked account', async () => {
    await createGroup(emulator, 'Unlinked');
    const response = await scim(emulator, 'GET', `/Groups?filter=${encodeURIComponent(`${ROLE_URN}:accounts[value eq "acc-prod" and roles eq "Admin"]`)}`);
    expect((response.body.Resources as { id: string }[]).map((group) => group.id)).toEqual([groupId]);
  });
});
