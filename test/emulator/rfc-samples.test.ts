import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { loadFixture, rewriteEmailDomains, rfcSampleNames } from './fixtures.js';
import { createGroup, createUser, ERROR_SCHEMA, scim, startTestEmulator } from './helpers.js';

/**
 * Every RFC 7643/7644 example of the scim2-models samples, replayed against
 * the emulator. Example user names such as "bjensen" and foreign email
 * domains are moved into example.com first, because the registered-domain
 * rule rejects them as they are (a separate test checks that).
 */

type Json = Record<string, unknown>;

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});

afterAll(async () => {
  await emulator.close();
});

function sample(name: string): Json {
  return loadFixture<Json>(`scim2-models/samples/${name}`);
}

/** Moves emails to example.com and turns a bare userName into an address there. */
function toRegisteredDomain(body: Json): Json {
  const rewritten = rewriteEmailDomains(body, 'example.com');
  if (typeof rewritten.userName === 'string' && !rewritten.userName.includes('@')) {
    rewritten.userName = `${rewritten.userName}@example.com`;
  }
  return rewritten;
}

let uniqueCounter = 0;

/** Gives the sample's userName a unique local part, so samples that share "bjensen" do not conflict. */
function uniqueUserName(body: Json): Json {
  uniqueCounter += 1;
  return { ...body, userName: `sample${uniqueCounter}.${String(body.userName)}` };
}

/** Replaces the sample's member ids, which are full or elided with "...", by ids of users created here. */
function mapSampleIds(value: unknown, ids: Record<string, string>): unknown {
  const text = JSON.stringify(value).replace(/\b(2819c223|08e1d05d|902c246b)[0-9a-f.-]*/g, (_match, prefix: string) => ids[prefix] ?? prefix);
  return JSON.parse(text) as unknown;
}

async function createSampleUsers(): Promise<Record<string, string>> {
  uniqueCounter += 1;
  return {
    '2819c223': await createUser(emulator, `babs${uniqueCounter}`),
    '08e1d05d': await createUser(emulator, `james${uniqueCounter}`),
    '902c246b': await createUser(emulator, `mandy${uniqueCounter}`),
  };
}

const userResources = [
  'rfc7643-8.1-user-minimal.json',
  'rfc7643-8.2-user-full.json',
  'rfc7643-8.3-enterprise_user.json',
  'rfc7644-3.3-user-post_request.json',
  'rfc7644-3.14-user-post_request.json',
  'rfc7644-3.4.1-user-known-resource.json',
  'rfc7644-3.5.1-user-put_request.json',
];

const handled = new Set<string>();

function sampleTest(names: string[], title: string, body: (name: string) => Promise<void>): void {
  for (const name of names) {
    handled.add(name);
    it(`${name}: ${title}`, async () => {
      await body(name);
    });
  }
}

describe('RFC user samples', () => {
  sampleTest(userResources, 'creates the user and returns its attributes', async (name) => {
    const body = uniqueUserName(toRegisteredDomain(sample(name)));
    const response = await scim(emulator, 'POST', '/Users', body);
    expect(response.status).toBe(201);
    for (const key of ['userName', 'name', 'emails', 'addresses', 'phoneNumbers', 'ims', 'photos', 'x509Certificates', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']) {
      if (body[key] === undefined) continue;
      const expected = key.startsWith('urn:') ? { ...(body[key] as Json), manager: { value: (body[key] as { manager: Json }).manager.value, $ref: (body[key] as { manager: Json }).manager.$ref } } : body[key];
      expect(response.body[key], key).toEqual(expected);
    }
    expect(response.body.password).toBeUndefined();
    expect(response.body.id).not.toBe(body.id);
  });

  it('rejects the samples as they are, whose names are outside the registered domain', async () => {
    for (const name of ['rfc7644-3.3-user-post_request.json', 'rfc7643-8.2-user-full.json']) {
      const response = await scim(emulator, 'POST', '/Users', sample(name));
      expect(response.status, name).toBe(400);
      expect(response.body.scimType, name).toBe('invalidValue');
    }
  });

  sampleTest(['rfc7644-3.3-user-post_response.json', 'rfc7644-3.14-user-post_response.json', 'rfc7644-3.5.1-user-put_response.json'], 'our response has the same attributes', async (name) => {
    const expected = sample(name);
    const request = sample(name.replace('response', 'request'));
    const created = await scim(emulator, 'POST', '/Users', uniqueUserName(toRegisteredDomain(request)));
    const response = name.includes('put')
      ? await scim(emulator, 'PUT', `/Users/${created.body.id as string}`, { ...toRegisteredDomain(request), userName: created.body.userName, id: created.body.id })
      : created;
    expect(response.status).toBe(name.includes('put') ? 200 : 201);
    // Every attribute of the RFC's response is there. An extra one was in
    // the request or is the `active` default of a create, because the RFC's
    // §3.14 response leaves out the externalId that its request sent.
    const keys = Object.keys(response.body);
    for (const key of Object.keys(expected)) expect(keys, key).toContain(key);
    const allowedExtras = [...Object.keys(request), 'active'];
    expect(keys.filter((key) => !(key in expected) && !allowedExtras.includes(key))).toEqual([]);
    expect(Object.keys(response.body.meta as Json).sort()).toEqual(Object.keys(expected.meta as Json).sort());
  });

  sampleTest(['rfc7644-3.9-user-partial_response.json'], 'attributes=userName returns only that and the always-returned ones', async (name) => {
    const id = await createUser(emulator, `partial${Date.now()}`);
    const response = await scim(emulator, 'GET', `/Users/${id}?attributes=userName`);
    expect(Object.keys(response.body).sort()).toEqual(Object.keys(sample(name)).sort());
  });

  sampleTest(['rfc7644-3.4.2-list_response-partial_attributes.json'], 'a list with attributes=userName has the same resource shape', async (name) => {
    const expected = sample(name);
    const response = await scim(emulator, 'GET', '/Users?attributes=userName&count=2');
    const first = (response.body.Resources as Json[])[0] as Json;
    const expectedKeys = Object.keys((expected.Resources as Json[])[0] as Json);
    // `schemas` is returned always (RFC 7643 §3), although the RFC's example leaves it out.
    expect(Object.keys(first).sort()).toEqual([...expectedKeys, 'schemas'].sort());
    for (const key of Object.keys(expected)) expect(response.body).toHaveProperty(key);
  });
});

describe('RFC group samples', () => {
  sampleTest(['rfc7643-8.4-group.json'], 'creates the group once its members exist', async (name) => {
    const raw = sample(name);
    const unknownMembers = await scim(emulator, 'POST', '/Groups', raw);
    expect(unknownMembers.status).toBe(400);
    expect(unknownMembers.body.scimType).toBe('invalidValue');

    const ids = await createSampleUsers();
    const response = await scim(emulator, 'POST', '/Groups', mapSampleIds(raw, ids));
    expect(response.status).toBe(201);
    expect((response.body.members as Json[]).map((member) => member.value)).toEqual([ids['2819c223'], ids['902c246b']]);
    expect(Object.keys((response.body.members as Json[])[0] as Json).sort()).toEqual(['$ref', 'display', 'type', 'value']);
  });

  sampleTest(['rfc7644-3.7.1-list_response-circular_reference.json'], 'a group cannot be a member', async (name) => {
    const groupA = (sample(name).Resources as Json[])[0] as Json;
    const other = await createGroup(emulator, `Group B ${Date.now()}`);
    const response = await scim(emulator, 'POST', '/Groups', { ...groupA, displayName: `Group A ${Date.now()}`, members: [{ value: other, type: 'Group' }] });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
  });
});

describe('RFC PATCH samples', () => {
  const groupPatches: [string, (ids: Record<string, string>) => string[]][] = [
    ['rfc7644-3.5.2.1-patch_op-add_members.json', (ids) => [ids['2819c223'] as string, ids['08e1d05d'] as string]],
    ['rfc7644-3.5.2.2-patch_op-remove_all_members.json', () => []],
    ['rfc7644-3.5.2.2-patch_op-remove_one_member.json', (ids) => [ids['08e1d05d'] as string]],
    ['rfc7644-3.5.2.2-patch_op-remove_and_add_one_member.json', (ids) => [ids['08e1d05d'] as string]],
    ['rfc7644-3.5.2.3-patch_op-replace_all_members.json', (ids) => [ids['2819c223'] as string, ids['08e1d05d'] as string]],
  ];
  for (const [name, expectedMembers] of groupPatches) {
    sampleTest([name], 'applies to a group', async () => {
      const ids = await createSampleUsers();
      const group = await createGroup(emulator, `Patch ${name}`, { members: [{ value: ids['2819c223'] }, { value: ids['08e1d05d'] }] });
      const response = await scim(emulator, 'PATCH', `/Groups/${group}`, mapSampleIds(sample(name), ids));
      expect(response.status).toBe(200);
      const members = ((response.body.members ?? []) as Json[]).map((member) => member.value as string);
      expect(members.sort()).toEqual(expectedMembers(ids).sort());
    });
  }

  const userPatches: [string, (user: Json) => void][] = [
    ['rfc7644-3.5.2.1-patch_op-add_emails.json', (user) => {
      expect((user.emails as Json[]).map((email) => email.value)).toContain('babs@example.com');
      expect(user.nickName).toBe('Babs');
    }],
    ['rfc7644-3.5.2.2-patch_op-remove_multi_complex_value.json', (user) => {
      expect((user.emails as Json[]).some((email) => email.type === 'work')).toBe(false);
    }],
    ['rfc7644-3.5.2.3-patch_op-replace_all_email_values.json', (user) => {
      expect((user.emails as Json[]).map((email) => email.value)).toEqual(['bjensen@example.com', 'babs@example.com']);
    }],
    ['rfc7644-3.5.2.3-patch_op-replace_street_address.json', (user) => {
      expect((user.addresses as Json[]).find((address) => address.type === 'work')?.streetAddress).toBe('1010 Broadway Ave');
    }],
    ['rfc7644-3.5.2.3-patch_op-replace_user_work_address.json', (user) => {
      expect((user.addresses as Json[]).find((address) => address.type === 'work')?.locality).toBe('Hollywood');
      expect((user.addresses as Json[]).find((address) => address.type === 'work')?.streetAddress).toBe('911 Universal City Plaza');
    }],
  ];
  for (const [name, check] of userPatches) {
    sampleTest([name], 'applies to a user', async () => {
      const full = uniqueUserName(toRegisteredDomain(sample('rfc7643-8.2-user-full.json')));
      const created = await scim(emulator, 'POST', '/Users', full);
      const response = await scim(emulator, 'PATCH', `/Users/${created.body.id as string}`, toRegisteredDomain(sample(name)));
      expect(response.status).toBe(200);
      check(response.body);
    });
  }
});

describe('RFC query samples', () => {
  sampleTest(['rfc7644-3.4.3-search_request.json'], 'is accepted by POST /Users/.search', async (name) => {
    await createUser(emulator, 'smith.search', { displayName: 'smith, search' });
    const response = await scim(emulator, 'POST', '/Users/.search', sample(name));
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(1);
    expect(Object.keys((response.body.Resources as Json[])[0] as Json).sort()).toEqual(['displayName', 'id', 'schemas', 'userName']);
  });

  sampleTest(['rfc7644-3.4.3-list_response-post_query.json'], 'root .search returns users and groups in this shape', async (name) => {
    await createGroup(emulator, 'Smith Family');
    const response = await scim(emulator, 'POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      attributes: ['displayName', 'userName'],
      filter: 'displayName sw "smith"',
      count: 10,
    });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual([...Object.keys(sample(name))].sort());
    const types = (response.body.Resources as Json[]).map((resource) => (resource.schemas as string[])[0]);
    expect(types.sort()).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:ietf:params:scim:schemas:core:2.0:User']);
  });
});

describe('RFC discovery samples', () => {
  sampleTest(['rfc7643-8.5-service_provider_configuration.json'], 'our configuration has the same sections', async (name) => {
    const response = await scim(emulator, 'GET', '/ServiceProviderConfig');
    const expected = sample(name);
    expect(Object.keys(response.body).sort()).toEqual(Object.keys(expected).filter((key) => key !== 'documentationUri').sort());
  });

  sampleTest(['rfc7643-8.6-resource_type-user.json', 'rfc7643-8.6-resource_type-group.json'], 'our resource type has the same fields', async (name) => {
    const expected = sample(name);
    const response = await scim(emulator, 'GET', `/ResourceTypes/${expected.name as string}`);
    for (const key of ['schemas', 'id', 'name', 'endpoint', 'schema']) expect(response.body[key], key).toEqual(expected[key]);
    expect(Object.keys(response.body.meta as Json).sort()).toEqual(Object.keys(expected.meta as Json).sort());
  });

  sampleTest(['rfc7644-4-list_response-resource_types.json'], 'our resource type list has the same shape', async (name) => {
    const expected = sample(name);
    const response = await scim(emulator, 'GET', '/ResourceTypes');
    expect(Object.keys(response.body).sort()).toEqual(Object.keys(expected).sort());
    expect((response.body.Resources as Json[]).map((type) => type.id)).toEqual((expected.Resources as Json[]).map((type) => type.id));
  });

  sampleTest(['rfc7643-8.7.1-schema-user.json', 'rfc7643-8.7.1-schema-group.json', 'rfc7643-8.7.1-schema-enterprise_user.json'], 'our schema has every RFC attribute with its type', async (name) => {
    const expected = sample(name);
    const response = await scim(emulator, 'GET', `/Schemas/${expected.id as string}`);
    expect(response.status).toBe(200);
    const shape = (attributes: Json[]): unknown => attributes.map((attribute) => ({
      name: attribute.name,
      type: attribute.type,
      multiValued: attribute.multiValued,
      subAttributes: attribute.subAttributes ? (shape(attribute.subAttributes as Json[]) as Json[]) : undefined,
    }));
    expect(shape(response.body.attributes as Json[])).toEqual(shape(expected.attributes as Json[]));
  });

  sampleTest(['rfc7643-8.7.2-schema-schema.json', 'rfc7643-8.7.2-schema-resource_type.json', 'rfc7643-8.7.2-schema-service_provider_configuration.json'], 'our discovery resource carries every required attribute', async (name) => {
    const expected = sample(name);
    const path = name.includes('schema-schema') ? '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User' : name.includes('resource_type') ? '/ResourceTypes/User' : '/ServiceProviderConfig';
    const response = await scim(emulator, 'GET', path);
    const check = (attributes: Json[], value: Json, where: string): void => {
      for (const attribute of attributes) {
        const item = value[attribute.name as string];
        if (attribute.required === true) expect(item, `${where}${attribute.name as string}`).toBeDefined();
        if (item !== undefined && attribute.subAttributes) {
          for (const element of Array.isArray(item) ? item : [item]) check(attribute.subAttributes as Json[], element as Json, `${where}${attribute.name as string}.`);
        }
      }
    };
    check(expected.attributes as Json[], response.body, '');
  });
});

describe('RFC error samples', () => {
  const errors: [string, () => Promise<Json>][] = [
    ['rfc7644-3.12-error-bad_request.json', async () => {
      const id = await createUser(emulator, `mutable${Date.now()}`);
      return (await scim(emulator, 'PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'id', value: 'x' }] })).body;
    }],
    ['rfc7644-3.12-error-not_found.json', async () => (await scim(emulator, 'GET', '/Users/2819c223-7f76-453a-919d-413861904646')).body],
    ['rfc7644-3.6-error-not_found.json', async () => (await scim(emulator, 'DELETE', '/Users/2819c223-7f76-453a-919d-413861904646')).body],
    ['rfc7644-3.7.3-error-invalid_syntax.json', async () => (await scim(emulator, 'POST', '/Users', '{"schemas": ')).body],
  ];
  for (const [name, provoke] of errors) {
    sampleTest([name], 'the emulator returns the same error', async () => {
      const expected = sample(name);
      const body = await provoke();
      expect(body.schemas).toEqual([ERROR_SCHEMA]);
      expect(body.status).toBe(expected.status);
      expect(body.scimType).toBe(expected.scimType);
      expect(Object.keys(body).sort()).toEqual(Object.keys(expected).sort());
    });
  }

  sampleTest(['rfc7644-3.7.4-error-payload_too_large.json'], 'an oversized body gets 413 in this shape', async (name) => {
    const huge = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'big@example.com', title: 'x'.repeat(1_100_000) };
    const response = await scim(emulator, 'POST', '/Users', huge);
    expect(response.status).toBe(413);
    expect(Object.keys(response.body).sort()).toEqual(Object.keys(sample(name)).sort());
  });
});

describe('RFC bulk samples', () => {
  const bulkNames = rfcSampleNames().filter((name) => name.includes('bulk'));
  sampleTest(bulkNames, 'bulk is answered 501, as bulk.supported is false', async (name) => {
    const body = sample(name);
    const response = await scim(emulator, 'POST', '/Bulk', body.schemas && (body.schemas as string[])[0]?.endsWith('BulkRequest') ? body : { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] });
    expect(response.status).toBe(501);
    expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
  });
});

describe('RFC sample coverage', () => {
  it('has a test for every sample file', () => {
    expect(rfcSampleNames().filter((name) => !handled.has(name))).toEqual([]);
  });
});
