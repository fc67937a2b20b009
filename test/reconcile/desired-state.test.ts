import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../src/domain/directory.js';
import { buildDesiredState } from '../../src/reconcile/index.js';
import { directory, directoryGroup, directoryUser, makeConfig } from './builders.js';

describe('buildDesiredState scope', () => {
  const groups = [
    directoryGroup('g-eng', 'Engineering', ['u-eng', 'u-both', 'u-excluded']),
    directoryGroup('g-plat', 'Platform', ['u-both']),
    directoryGroup('g-sales', 'Sales', ['u-sales', 'u-included']),
  ];
  const users = ['u-eng', 'u-both', 'u-excluded', 'u-sales', 'u-included', 'u-nowhere'].map((id) => directoryUser(id));
  const config = makeConfig({ mapping: { includeUsers: ['U-INCLUDED@example.com'], excludeUsers: ['u-excluded'] } });
  const desired = buildDesiredState(directory(users, groups), config);

  it.each([
    { id: 'u-eng', inScope: true },
    { id: 'u-both', inScope: true },
    { id: 'u-excluded', inScope: false },
    { id: 'u-sales', inScope: false },
    { id: 'u-included', inScope: true },
    { id: 'u-nowhere', inScope: false },
  ])('$id in scope: $inScope', ({ id, inScope }) => {
    expect(desired.users.has(id)).toBe(inScope);
  });

  it.each([
    { id: 'u-excluded', reason: 'excluded' },
    { id: 'u-sales', reason: 'not-in-mapped-group' },
    { id: 'u-nowhere', reason: 'not-in-mapped-group' },
  ])('$id out of scope as $reason', ({ id, reason }) => {
    expect(desired.outOfScope).toContainEqual({ externalId: id, reason });
  });

  it('creates one desired group per mapped IdP group', () => {
    expect([...desired.groups.keys()]).toEqual(['g-eng', 'g-plat']);
    expect(desired.groups.get('g-eng')).toEqual({
      externalId: 'g-eng',
      displayName: 'Engineering',
      memberExternalIds: ['u-both', 'u-eng'],
      accountAccess: [
        { accountId: 'dev', roles: ['Admin'] },
        { accountId: 'prod', roles: ['Developer'] },
      ],
    });
  });

  it('unions effective roles over linked groups', () => {
    expect(desired.effectiveRoles.get('u-both')).toEqual([
      { accountId: 'dev', roles: ['Admin'] },
      { accountId: 'prod', roles: ['Developer', 'Admin'] },
    ]);
  });

  it('gives an included user Developer in the primary account', () => {
    expect(desired.effectiveRoles.get('u-included')).toEqual([{ accountId: 'prod', roles: ['Developer'] }]);
    expect(desired.scopes.get('u-included')).toEqual({ groups: [], isIncludedOnly: true });
  });

  it('keeps an excluded user out of group members', () => {
    expect(desired.groups.get('g-eng')?.memberExternalIds).not.toContain('u-excluded');
  });

  it('stores entries that survive a JSON round trip', () => {
    for (const user of desired.users.values()) {
      expect(JSON.parse(JSON.stringify(user))).toEqual(user);
    }
    for (const group of desired.groups.values()) {
      expect(JSON.parse(JSON.stringify(group))).toEqual(group);
    }
  });
});

describe('buildDesiredState group mapping', () => {
  it('merges grants of several entries that select one group', () => {
    const config = makeConfig({
      mapping: {
        groups: [
          { idpGroup: { name: 'Platform' }, accounts: [{ account: 'prod', roles: ['Developer', 'Admin'] }] },
          { idpGroup: { pattern: 'Plat.*' }, accounts: [{ account: 'prod', roles: ['Admin', 'Billing'] }, { account: 'dev', roles: ['Developer'] }] },
        ],
      },
    });
    const desired = buildDesiredState(directory([], [directoryGroup('g1', 'Platform', [])]), config);
    expect(desired.groups.get('g1')?.accountAccess).toEqual([
      { accountId: 'dev', roles: ['Developer'] },
      { accountId: 'prod', roles: ['Developer', 'Billing', 'Admin'] },
    ]);
  });

  it('drops Owner even when a configuration slipped it past validation', () => {
    const config = makeConfig({ mapping: { groups: [{ idpGroup: { name: 'Platform' }, accounts: [{ account: 'prod', roles: ['Owner', 'Admin'] }] }] } });
    const desired = buildDesiredState(directory([], [directoryGroup('g1', 'Platform', [])]), config);
    expect(desired.groups.get('g1')?.accountAccess).toEqual([{ accountId: 'prod', roles: ['Admin'] }]);
  });
});

describe('buildDesiredState users', () => {
  const inEngineering = (users: DirectoryUser[]) =>
    buildDesiredState(directory(users, [directoryGroup('g-eng', 'Engineering', users.map((user) => user.externalId))]), makeConfig());

  it.each([
    { lifecycle: 'active' as const, desired: true, active: true },
    { lifecycle: 'suspended' as const, desired: true, active: false },
    { lifecycle: 'deprovisioned' as const, desired: false, active: undefined },
    { lifecycle: 'pending' as const, desired: false, active: undefined },
  ])('$lifecycle user: desired $desired', ({ lifecycle, desired, active }) => {
    const state = inEngineering([directoryUser('u1', { lifecycle })]);
    expect(state.users.has('u1')).toBe(desired);
    expect(state.users.get('u1')?.active).toBe(active);
    expect(state.groups.get('g-eng')?.memberExternalIds.includes('u1')).toBe(desired);
  });

  it('rejects a foreign domain and names it', () => {
    const state = inEngineering([directoryUser('u1', { email: 'ada@Contractor.NET' })]);
    expect(state.users.has('u1')).toBe(false);
    expect(state.domainRejections).toEqual([
      { externalId: 'u1', email: 'ada@Contractor.NET', domain: 'contractor.net', registeredDomain: 'example.com', groups: ['Engineering'] },
    ]);
  });

  it('keeps the email case the IdP stores', () => {
    const state = inEngineering([directoryUser('u1', { email: 'Ada.Lovelace@EXAMPLE.com' })]);
    expect(state.users.get('u1')?.userName).toBe('Ada.Lovelace@EXAMPLE.com');
  });

  it('falls back to an email-shaped login', () => {
    const state = inEngineering([directoryUser('u1', { email: undefined, login: 'ada@example.com' }), directoryUser('u2', { email: undefined, login: 'grace' })]);
    expect(state.users.get('u1')?.userName).toBe('ada@example.com');
    expect(state.outOfScope).toContainEqual({ externalId: 'u2', reason: 'no-email' });
  });

  it('keeps the lower id when two users share an email', () => {
    const state = inEngineering([directoryUser('u2', { email: 'ADA@example.com' }), directoryUser('u1', { email: 'ada@example.com' })]);
    expect([...state.users.keys()]).toEqual(['u1']);
    expect(state.outOfScope).toContainEqual({ externalId: 'u2', reason: 'duplicate-email' });
  });

  it('omits absent names instead of storing empty ones', () => {
    const state = inEngineering([directoryUser('u1', { givenName: '', familyName: undefined })]);
    expect(state.users.get('u1')).toEqual({ externalId: 'u1', userName: 'u1@example.com', active: true });
  });
});
