import { describe, expect, it } from 'vitest';
import { ScimError } from '../../src/emulator/errors.js';
import { compileFilter, parseFilter, parsePatchPath, resourceScope } from '../../src/emulator/filter.js';
import { buildResourceModels } from '../../src/emulator/schemas.js';

const models = buildResourceModels('urn:ably:scim:schemas:extension:accountAccess:2.0:Group');

const babs = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'bjensen@example.com',
  name: { familyName: "O'Malley", givenName: 'Barbara' },
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '701984', manager: { value: '26118915' } },
  meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z', version: 'W/"3"' },
};

function matchesUser(filter: string): boolean {
  return compileFilter(parseFilter(filter), resourceScope(models.user))(babs);
}

function scimTypeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return `${error.status} ${error.scimType}`;
    throw error;
  }
  return undefined;
}

describe('filter evaluation', () => {
  // The filters of RFC 7644 §3.4.2.2, plus case, escape and type cases.
  const cases: [string, boolean][] = [
    ['userName eq "bjensen@example.com"', true],
    ['USERNAME EQ "BJENSEN@EXAMPLE.COM"', true],
    ['name.familyName co "O\'Malley"', true],
    ['userName sw "bj"', true],
    ['userName ew "@example.com"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34.001Z"', true],
    ['meta.created le "2010-01-23T04:56:22Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', true],
    ['schemas eq "urn:example:other"', false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and value co "@example.com"]', false],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', true],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false],
    ['externalId eq "BJENSEN"', false],
    ['externalId eq "bjensen"', true],
    ['active eq true', true],
    ['active ne true', false],
    ['emails.value ne "nobody@example.com"', true],
    ['emails.value ne "babs@jensen.org"', false],
    ['nickName eq null', true],
    ['title ne null', true],
    ['title eq "Tour \\u0047uide"', true],
    ['title eq "Tour\\"Guide"', false],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"', true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915"', true],
    ['not(title pr)', false],
    ['userName eq "x" or userName eq "y" and title pr', false],
    ['(userName eq "x" or userName eq "bjensen@example.com") and title pr', true],
  ];
  for (const [filter, expected] of cases) {
    it(`${filter} is ${expected}`, () => {
      expect(matchesUser(filter)).toBe(expected);
    });
  }
});

describe('filter errors', () => {
  const invalid: string[] = [
    'userName eq',
    'userName eq "x" and',
    'userName xx "x"',
    'emails[type eq "work"',
    'emails[type eq "work"].value eq "x"',
    'userName eq \'x\'',
    'userName eq True',
    'title eq "x" title',
    'not title pr',
    'emails[type eq "work" and ims[type eq "x"]]',
    'userName eq "\\q"',
    '"userName" eq "x"',
    '',
    'nosuchattribute eq "x"',
    'urn:example:unknown:2.0:User:userName eq "x"',
    'active gt true',
    'active co "t"',
    'active eq "true"',
    'userName eq 1',
    'meta.created gt "yesterday"',
    'userName[value eq "x"]',
    'password eq "secret"',
    'userName gt null',
  ];
  for (const filter of invalid) {
    it(`rejects ${JSON.stringify(filter)} as invalidFilter`, () => {
      expect(scimTypeOf(() => matchesUser(filter))).toBe('400 invalidFilter');
    });
  }
});

describe('PATCH path parsing', () => {
  it('splits a value path with a sub-attribute', () => {
    const path = parsePatchPath('addresses[type eq "work"].streetAddress');
    expect(path.attributePath).toBe('addresses');
    expect(path.subAttribute).toBe('streetAddress');
    expect(path.valueFilter).toEqual({ kind: 'comparison', path: 'type', operator: 'eq', value: 'work' });
  });

  it('keeps brackets inside strings', () => {
    const path = parsePatchPath('members[value eq "a]b"]');
    expect(path.valueFilter).toEqual({ kind: 'comparison', path: 'value', operator: 'eq', value: 'a]b' });
  });

  for (const text of ['members[value eq "x"', 'members[value eq "x"]value', 'members[value eq "x"].', 'members value', 'a[b pr]]']) {
    it(`rejects ${JSON.stringify(text)} as invalidPath`, () => {
      expect(scimTypeOf(() => parsePatchPath(text))).toBe('400 invalidPath');
    });
  }
});
