import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../../src/domain/directory.js';
import { chooseEmail, isRoutableUpn, mapUser, type GraphUserWire } from '../../../src/connectors/entra/map.js';

const base: GraphUserWire = {
  id: '11111111-2222-4333-8444-555555555555',
  displayName: 'Ada Lovelace',
  givenName: 'Ada',
  surname: 'Lovelace',
  mail: null,
  otherMails: [],
  userPrincipalName: 'ada@example.com',
  accountEnabled: true,
  userType: 'Member',
};

/** Maps `wire` and fails the test when the user is skipped. */
function mappedUser(wire: GraphUserWire, includeGuests: boolean): DirectoryUser {
  const mapping = mapUser(wire, { includeGuests });
  if (mapping.kind !== 'user') {
    throw new Error(`expected a mapped user, got a skip: ${mapping.skipped.reason}`);
  }
  return mapping.user;
}

describe('entra user mapping', () => {
  it.each([
    ['mail first', { mail: 'Ada.L@Example.com', otherMails: ['other@example.org'] }, 'Ada.L@Example.com'],
    ['otherMails when no mail', { otherMails: ['', 'other@example.org'] }, 'other@example.org'],
    ['routable UPN last', {}, 'ada@example.com'],
    ['no #EXT# UPN', { userPrincipalName: 'ada_example.com#EXT#@tenant.example.com' }, undefined],
    ['no onmicrosoft.com UPN', { userPrincipalName: 'ada@contoso.onmicrosoft.com' }, undefined],
    ['no UPN without @', { userPrincipalName: 'ada' }, undefined],
  ])('chooses email: %s', (_name, patch, expected) => {
    expect(chooseEmail({ ...base, ...patch })).toBe(expected);
  });

  it.each([
    ['ada@example.com', true],
    ['ada@ONMICROSOFT.COM', false],
    ['ada@sub.onmicrosoft.com', false],
    ['@example.com', false],
    ['ada_x.org#EXT#@example.com', false],
  ])('routable UPN %s is %s', (upn, expected) => {
    expect(isRoutableUpn(upn)).toBe(expected);
  });

  it('maps a disabled account to suspended', () => {
    const user = mappedUser({ ...base, accountEnabled: false }, true);
    expect(user.lifecycle).toBe('suspended');
    expect(user.sourceStatus).toBe('accountEnabled=false');
  });

  it('maps names and login', () => {
    const mapping = mapUser(base, { includeGuests: false });
    expect(mapping).toEqual({
      kind: 'user',
      user: {
        externalId: base.id,
        login: 'ada@example.com',
        email: 'ada@example.com',
        givenName: 'Ada',
        familyName: 'Lovelace',
        displayName: 'Ada Lovelace',
        lifecycle: 'active',
        sourceStatus: 'accountEnabled=true',
      },
    });
  });

  it.each([
    ['userType Guest', { userType: 'Guest', mail: 'g@partner.example.org' }],
    ['#EXT# UPN on a member', { userPrincipalName: 'g_partner.example.org#EXT#@tenant.example.com', mail: 'g@partner.example.org' }],
  ])('treats %s as a guest', (_name, patch) => {
    const excluded = mapUser({ ...base, ...patch }, { includeGuests: false });
    expect(excluded.kind).toBe('skipped');
    expect(mappedUser({ ...base, ...patch }, true).email).toBe('g@partner.example.org');
  });
});
