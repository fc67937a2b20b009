import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../src/domain/directory.js';
import type { Operation } from '../../src/domain/operations.js';
import type { OrganizationUser } from '../../src/domain/organization.js';
import { planReconcile } from '../../src/reconcile/index.js';
import { directory, directoryGroup, directoryUser, makeConfig, NOW, organization, organizationGroup, organizationUser, planInput } from './builders.js';

/** Plans with every directory user in Engineering, and Engineering already in step in the organization. */
function planWith(options: {
  users: DirectoryUser[];
  orgUsers: OrganizationUser[];
  policy?: Record<string, unknown>;
  deactivatedAt?: Map<string, string>;
}) {
  const memberIds = options.users.map((user) => user.externalId);
  const desiredMembers = options.orgUsers.filter((user) => memberIds.includes(user.externalId ?? '')).map((user) => user.id);
  return planReconcile(
    planInput({
      directory: directory(
        [...options.users, directoryUser('keep')],
        [directoryGroup('g-eng', 'Engineering', [...memberIds, 'keep'])],
      ),
      organization: organization(
        [...options.orgUsers, organizationUser('keep')],
        [
          organizationGroup('g-eng', 'Engineering', {
            memberIds: [...desiredMembers, 'scim-keep'],
            accountAccess: [{ accountId: 'dev', roles: ['Admin'] }, { accountId: 'prod', roles: ['Developer'] }],
          }),
        ],
      ),
      config: makeConfig({ policy: { holds: { maxRemovals: 100, maxRemovalPercent: 100 }, ...options.policy } }),
      deactivatedAt: options.deactivatedAt ?? new Map(),
    }),
  );
}

function userOperations(operations: readonly Operation[]): Operation[] {
  return operations.filter((operation) => ['provision', 'user-update', 'deprovision', 'domain-check'].includes(operation.kind));
}

describe('planReconcile user lifecycle', () => {
  it.each([
    {
      name: 'new active user is provisioned',
      users: [directoryUser('u1')],
      orgUsers: [],
      expected: [{ kind: 'provision', rule: 'in-mapped-group', active: true }],
    },
    {
      name: 'new suspended user is not provisioned',
      users: [directoryUser('u1', { lifecycle: 'suspended' })],
      orgUsers: [],
      expected: [],
    },
    {
      name: 'new pending user is not provisioned',
      users: [directoryUser('u1', { lifecycle: 'pending' })],
      orgUsers: [],
      expected: [],
    },
    {
      name: 'suspended user is deactivated by update',
      users: [directoryUser('u1', { lifecycle: 'suspended' })],
      orgUsers: [organizationUser('u1')],
      expected: [{ kind: 'user-update', rule: 'idp-suspended', active: false }],
    },
    {
      name: 'already deactivated suspended user is left',
      users: [directoryUser('u1', { lifecycle: 'suspended' })],
      orgUsers: [organizationUser('u1', { active: false })],
      expected: [],
    },
    {
      name: 'returning user is reactivated',
      users: [directoryUser('u1')],
      orgUsers: [organizationUser('u1', { active: false })],
      expected: [{ kind: 'user-update', rule: 'reactivate', active: true }],
    },
    {
      name: 'deprovisioned user is deactivated',
      users: [directoryUser('u1', { lifecycle: 'deprovisioned' })],
      orgUsers: [organizationUser('u1')],
      expected: [{ kind: 'deprovision', rule: 'idp-deprovisioned', mode: 'deactivate' }],
    },
    {
      name: 'absent user is deactivated',
      users: [],
      orgUsers: [organizationUser('u1')],
      expected: [{ kind: 'deprovision', rule: 'absent-from-idp', mode: 'deactivate' }],
    },
    {
      name: 'pending user already in Ably is deactivated',
      users: [directoryUser('u1', { lifecycle: 'pending' })],
      orgUsers: [organizationUser('u1')],
      expected: [{ kind: 'deprovision', rule: 'pending', mode: 'deactivate' }],
    },
    {
      name: 'user whose email became foreign is deactivated and checked',
      users: [directoryUser('u1', { email: 'u1@elsewhere.org' })],
      orgUsers: [organizationUser('u1')],
      expected: [
        { kind: 'domain-check', rule: 'foreign-domain' },
        { kind: 'deprovision', rule: 'foreign-domain', mode: 'deactivate' },
      ],
    },
  ])('$name', ({ users, orgUsers, expected }) => {
    const plan = planWith({ users, orgUsers });
    const summary = userOperations(plan.operations).map((operation) => ({
      kind: operation.kind,
      rule: operation.reason.rule,
      ...(operation.kind === 'provision' || operation.kind === 'user-update' ? { active: operation.user.active } : {}),
      ...(operation.kind === 'deprovision' ? { mode: operation.mode } : {}),
    }));
    expect(summary).toEqual(expected);
  });

  it('removes a deprovisioned user from its groups', () => {
    const plan = planWith({ users: [directoryUser('u1', { lifecycle: 'deprovisioned' })], orgUsers: [organizationUser('u1')] });
    const removal = plan.operations.find((operation) => operation.kind === 'membership-remove');
    expect(removal).toMatchObject({ groupExternalId: 'g-eng', userExternalIds: ['u1'] });
  });

  it('keeps a suspended user in its groups', () => {
    const plan = planWith({ users: [directoryUser('u1', { lifecycle: 'suspended' })], orgUsers: [organizationUser('u1')] });
    expect(plan.operations.filter((operation) => operation.kind.startsWith('membership'))).toEqual([]);
  });
});

describe('planReconcile deprovision modes', () => {
  const day = 86_400_000;
  const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

  it.each([
    { mode: 'deactivate', active: true, deactivatedAgo: undefined, expected: ['deactivate'] },
    { mode: 'deactivate', active: false, deactivatedAgo: 90 * day, expected: [] },
    { mode: 'delete', active: true, deactivatedAgo: undefined, expected: ['deactivate'] },
    { mode: 'delete', active: false, deactivatedAgo: 29 * day, expected: [] },
    { mode: 'delete', active: false, deactivatedAgo: 30 * day, expected: ['delete'] },
    { mode: 'delete', active: false, deactivatedAgo: 31 * day, expected: ['delete'] },
    { mode: 'delete', active: false, deactivatedAgo: undefined, expected: [] },
    { mode: 'none', active: true, deactivatedAgo: undefined, expected: [] },
  ])('mode $mode, active $active, deactivated $deactivatedAgo ms ago → $expected', ({ mode, active, deactivatedAgo, expected }) => {
    const deactivatedAt = new Map(deactivatedAgo === undefined ? [] : [['u1', ago(deactivatedAgo)]]);
    const plan = planWith({ users: [], orgUsers: [organizationUser('u1', { active })], policy: { deprovision: { mode, gracePeriod: '30d' } }, deactivatedAt });
    const modes = plan.operations.flatMap((operation) => (operation.kind === 'deprovision' ? [operation.mode] : []));
    expect(modes).toEqual(expected);
  });

  it('reports mode none as a notice', () => {
    const plan = planWith({ users: [], orgUsers: [organizationUser('u1')], policy: { deprovision: { mode: 'none' } } });
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'removals-withheld', subject: 'u1' }));
  });

  it('keeps group memberships in mode none', () => {
    const plan = planWith({ users: [], orgUsers: [organizationUser('u1')], policy: { deprovision: { mode: 'none' } } });
    expect(plan.operations.filter((operation) => operation.kind === 'membership-remove')).toEqual([]);
  });

  it('removes group memberships in mode deactivate', () => {
    const input = planInput({
      directory: directory([directoryUser('keep')], [directoryGroup('g-eng', 'Engineering', ['keep'])]),
      organization: organization(
        [organizationUser('u1'), organizationUser('keep')],
        [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u1', 'scim-keep'] })],
      ),
      config: makeConfig({ policy: { holds: { maxRemovals: 100, maxRemovalPercent: 100 }, deprovision: { mode: 'deactivate' } } }),
    });
    const removals = planReconcile(input).operations.filter((operation) => operation.kind === 'membership-remove');
    expect(removals).toEqual([expect.objectContaining({ groupExternalId: 'g-eng', userExternalIds: ['u1'] })]);

    const kept = planReconcile({ ...input, config: makeConfig({ policy: { deprovision: { mode: 'none' } } }) });
    expect(kept.operations.filter((operation) => operation.kind === 'membership-remove')).toEqual([]);
  });

  it('never deletes a suspended user', () => {
    const plan = planWith({
      users: [directoryUser('u1', { lifecycle: 'suspended' })],
      orgUsers: [organizationUser('u1', { active: false })],
      policy: { deprovision: { mode: 'delete', gracePeriod: '1d' } },
      deactivatedAt: new Map([['u1', ago(400 * day)]]),
    });
    expect(userOperations(plan.operations)).toEqual([]);
  });

  it('reactivates a returning user inside the grace period', () => {
    const plan = planWith({
      users: [directoryUser('u1')],
      orgUsers: [organizationUser('u1', { active: false })],
      policy: { deprovision: { mode: 'delete', gracePeriod: '30d' } },
      deactivatedAt: new Map([['u1', ago(2 * day)]]),
    });
    expect(userOperations(plan.operations).map((operation) => operation.kind)).toEqual(['user-update']);
  });
});

describe('planReconcile identity changes', () => {
  it('treats a changed email on the same externalId as one update', () => {
    const plan = planWith({ users: [directoryUser('u1', { email: 'ada.king@example.com' })], orgUsers: [organizationUser('u1', { userName: 'ada@example.com' })] });
    const operations = userOperations(plan.operations);
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ kind: 'user-update', reason: { rule: 'identity-changed' } });
    expect(operations[0]?.reason.changes).toEqual([
      { field: 'userName', from: 'ada@example.com', to: 'ada.king@example.com' },
      { field: 'email', from: 'ada@example.com', to: 'ada.king@example.com' },
    ]);
    expect(plan.operations.some((operation) => operation.kind.startsWith('membership'))).toBe(false);
  });

  it('ignores a change of email case', () => {
    const plan = planWith({ users: [directoryUser('u1', { email: 'U1@Example.COM' })], orgUsers: [organizationUser('u1')] });
    expect(userOperations(plan.operations)).toEqual([]);
  });

  it('updates changed names with from and to', () => {
    const plan = planWith({ users: [directoryUser('u1', { givenName: 'Ada', displayName: 'Ada L' })], orgUsers: [organizationUser('u1', { givenName: 'Augusta' })] });
    expect(userOperations(plan.operations)[0]?.reason).toMatchObject({
      rule: 'attributes-changed',
      changes: [
        { field: 'givenName', from: 'Augusta', to: 'Ada' },
        { field: 'displayName', from: null, to: 'Ada L' },
      ],
    });
  });
});

describe('planReconcile ownership', () => {
  const unmanaged: OrganizationUser = { id: 'scim-legacy', userName: 'U1@example.com', active: true };

  it('adopts an unmanaged user with the same userName', () => {
    const plan = planWith({ users: [directoryUser('u1')], orgUsers: [unmanaged] });
    const provision = plan.operations.find((operation) => operation.kind === 'provision');
    expect(provision?.reason.rule).toBe('adopt-existing');
    expect(plan.notices.filter((notice) => notice.kind === 'unmanaged-user')).toEqual([]);
  });

  it('counts an adopted user as an existing member', () => {
    const plan = planReconcile(
      planInput({
        directory: directory([directoryUser('u1')], [directoryGroup('g-eng', 'Engineering', ['u1'])]),
        organization: organization([unmanaged], [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-legacy'] })]),
      }),
    );
    expect(plan.operations.filter((operation) => operation.kind === 'membership-add')).toEqual([]);
  });

  it('leaves the user alone when adoption is off', () => {
    const plan = planWith({ users: [directoryUser('u1')], orgUsers: [unmanaged], policy: { adoptExisting: false } });
    expect(plan.operations.filter((operation) => operation.kind === 'provision')).toEqual([]);
    expect(plan.operations.find((operation) => operation.kind === 'membership-add')).toBeUndefined();
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'unmanaged-user', subject: 'scim-legacy' }));
  });

  it('skips a userName held by another IdP id', () => {
    const former = organizationUser('u-old', { userName: 'u1@example.com' });
    const plan = planWith({ users: [directoryUser('u1')], orgUsers: [former] });
    expect(plan.operations.filter((operation) => operation.kind === 'provision')).toEqual([]);
    expect(plan.operations.find((operation) => operation.kind === 'membership-add')).toBeUndefined();
    expect(plan.operations).toContainEqual(expect.objectContaining({ kind: 'deprovision', externalId: 'u-old' }));
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'skipped-idp-object', subject: 'u1' }));
  });

  it('skips a rename onto a taken userName', () => {
    const stranger: OrganizationUser = { id: 'scim-stranger', userName: 'ada@example.com', active: true };
    const plan = planWith({ users: [directoryUser('u1', { email: 'ada@example.com' })], orgUsers: [organizationUser('u1'), stranger] });
    expect(plan.operations.filter((operation) => operation.kind === 'user-update')).toEqual([]);
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'skipped-idp-object', subject: 'u1' }));
  });

  it('never touches an unmanaged user outside the directory', () => {
    const stranger: OrganizationUser = { id: 'scim-admin', userName: 'admin@example.com', active: true };
    const plan = planWith({ users: [], orgUsers: [stranger] });
    expect(userOperations(plan.operations)).toEqual([]);
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'unmanaged-user', subject: 'scim-admin' }));
  });

  it('emits one domain check per foreign user', () => {
    const plan = planReconcile(
      planInput({
        directory: directory(
          [directoryUser('u1', { email: 'u1@gmail.example.org' }), directoryUser('u2', { email: 'u2@sub.example.com' })],
          [directoryGroup('g-eng', 'Engineering', ['u1', 'u2']), directoryGroup('g-plat', 'Platform', ['u1', 'u2'])],
        ),
      }),
    );
    const checks = plan.operations.filter((operation) => operation.kind === 'domain-check');
    expect(checks.map((operation) => operation.kind === 'domain-check' && operation.externalId)).toEqual(['u1', 'u2']);
    expect(checks[0]?.reason.detail).toContain('gmail.example.org');
    expect(plan.operations.filter((operation) => operation.kind === 'provision')).toEqual([]);
  });
});
