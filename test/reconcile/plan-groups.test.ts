import { describe, expect, it } from 'vitest';
import type { AccountAccess, OrganizationGroup, OrganizationUser } from '../../src/domain/organization.js';
import { planReconcile } from '../../src/reconcile/index.js';
import { directory, directoryGroup, directoryUser, makeConfig, organization, organizationGroup, organizationUser, planInput } from './builders.js';

const ENGINEERING_ACCESS: AccountAccess[] = [
  { accountId: 'dev', roles: ['Admin'] },
  { accountId: 'prod', roles: ['Developer'] },
];

function planEngineering(options: { members: string[]; orgUsers?: OrganizationUser[]; orgGroups: OrganizationGroup[]; hasRoleExtension?: boolean }) {
  const users = ['u1', 'u2', 'u3'].map((id) => directoryUser(id));
  return planReconcile(
    planInput({
      directory: directory(users, [directoryGroup('g-eng', 'Engineering', options.members)]),
      // Every user stays in scope, so only the group under test changes.
      config: makeConfig({ mapping: { includeUsers: ['u1', 'u2', 'u3'] } }),
      organization: organization(options.orgUsers ?? users.map((user) => organizationUser(user.externalId)), options.orgGroups, {
        hasRoleExtension: options.hasRoleExtension ?? true,
      }),
    }),
  );
}

describe('planReconcile groups', () => {
  it('creates a missing group with members and roles', () => {
    const plan = planEngineering({ members: ['u1', 'u2'], orgGroups: [] });
    expect(plan.operations.map((operation) => operation.kind)).toEqual(['group-create', 'membership-add', 'role-assignment']);
    expect(plan.operations[1]).toMatchObject({ groupExternalId: 'g-eng', userExternalIds: ['u1', 'u2'] });
    expect(plan.operations[2]).toMatchObject({ accountAccess: ENGINEERING_ACCESS, reportOnly: false });
  });

  it('plans nothing for a group in step', () => {
    const plan = planEngineering({
      members: ['u1'],
      orgGroups: [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u1'], accountAccess: [...ENGINEERING_ACCESS].reverse() })],
    });
    expect(plan.operations).toEqual([]);
  });

  it('renames a group on the same externalId', () => {
    const plan = planEngineering({ members: [], orgGroups: [organizationGroup('g-eng', 'Eng (old)', { accountAccess: ENGINEERING_ACCESS })] });
    expect(plan.operations).toEqual([
      expect.objectContaining({ kind: 'group-update', reason: expect.objectContaining({ changes: [{ field: 'displayName', from: 'Eng (old)', to: 'Engineering' }] }) }),
    ]);
  });

  it('deletes a managed group no mapping selects', () => {
    const plan = planEngineering({
      members: [],
      orgGroups: [organizationGroup('g-eng', 'Engineering', { accountAccess: ENGINEERING_ACCESS }), organizationGroup('g-old', 'Old')],
    });
    expect(plan.operations).toEqual([expect.objectContaining({ kind: 'group-delete', externalId: 'g-old', reason: expect.objectContaining({ rule: 'group-unmapped' }) })]);
  });

  it('adds and removes members by difference', () => {
    const plan = planEngineering({
      members: ['u1', 'u3'],
      orgGroups: [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u1', 'scim-u2'], accountAccess: ENGINEERING_ACCESS })],
    });
    expect(plan.operations).toEqual([
      expect.objectContaining({ kind: 'membership-add', userExternalIds: ['u3'] }),
      expect.objectContaining({ kind: 'membership-remove', userExternalIds: ['u2'] }),
    ]);
  });

  it('never removes an unmanaged member', () => {
    const stranger: OrganizationUser = { id: 'scim-stranger', userName: 'stranger@example.com', active: true };
    const plan = planEngineering({
      members: ['u1'],
      orgUsers: [organizationUser('u1'), stranger],
      orgGroups: [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u1', 'scim-stranger'], accountAccess: ENGINEERING_ACCESS })],
    });
    expect(plan.operations.filter((operation) => operation.kind !== 'provision')).toEqual([]);
  });

  it('never changes an unmanaged group', () => {
    const legacy: OrganizationGroup = { id: 'scim-legacy', displayName: 'Legacy admins', memberIds: ['scim-u1'], accountAccess: [] };
    const plan = planEngineering({ members: [], orgGroups: [organizationGroup('g-eng', 'Engineering', { accountAccess: ENGINEERING_ACCESS }), legacy] });
    expect(plan.operations).toEqual([]);
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'unmanaged-group', subject: 'scim-legacy' }));
  });

  it('adopts an unmanaged group of the same name', () => {
    const legacy: OrganizationGroup = { id: 'scim-legacy', displayName: 'ENGINEERING', memberIds: ['scim-u1'], accountAccess: ENGINEERING_ACCESS };
    const plan = planEngineering({ members: ['u1', 'u2'], orgGroups: [legacy] });
    expect(plan.operations).toEqual([
      expect.objectContaining({ kind: 'group-create', reason: expect.objectContaining({ rule: 'adopt-existing' }) }),
      expect.objectContaining({ kind: 'membership-add', userExternalIds: ['u2'] }),
    ]);
  });
});

describe('planReconcile roles', () => {
  it.each([
    { name: 'equal in another order', actual: [...ENGINEERING_ACCESS].reverse(), expected: undefined },
    { name: 'missing link', actual: [{ accountId: 'prod', roles: ['Developer'] }], expected: ENGINEERING_ACCESS },
    { name: 'extra role', actual: [{ accountId: 'dev', roles: ['Admin', 'Billing'] }, { accountId: 'prod', roles: ['Developer'] }], expected: ENGINEERING_ACCESS },
    { name: 'extra account', actual: [...ENGINEERING_ACCESS, { accountId: 'staging', roles: ['Admin'] }], expected: ENGINEERING_ACCESS },
    { name: 'no links', actual: [], expected: ENGINEERING_ACCESS },
  ] as { name: string; actual: AccountAccess[]; expected: AccountAccess[] | undefined }[])('$name', ({ actual, expected }) => {
    const plan = planEngineering({ members: [], orgGroups: [organizationGroup('g-eng', 'Engineering', { accountAccess: actual })] });
    const assignment = plan.operations.find((operation) => operation.kind === 'role-assignment');
    const assigned = assignment?.kind === 'role-assignment' ? assignment.accountAccess : undefined;
    expect(assigned).toEqual(expected);
  });

  it('replaces the whole set and shows from and to', () => {
    const actual: AccountAccess[] = [{ accountId: 'staging', roles: ['Admin'] }];
    const plan = planEngineering({ members: [], orgGroups: [organizationGroup('g-eng', 'Engineering', { accountAccess: actual })] });
    expect(plan.operations[0]?.reason.changes).toEqual([{ field: 'accountAccess', from: actual, to: ENGINEERING_ACCESS }]);
  });

  it('reports roles without the role extension', () => {
    const plan = planEngineering({ members: [], orgGroups: [organizationGroup('g-eng', 'Engineering')], hasRoleExtension: false });
    expect(plan.operations).toEqual([expect.objectContaining({ kind: 'role-assignment', reportOnly: true, accountAccess: ENGINEERING_ACCESS })]);
    const notice = plan.notices.find((item) => item.kind === 'report-only-role');
    expect(notice?.subject).toBe('g-eng');
    expect(notice?.detail).toContain('dev: Admin; prod: Developer');
  });
});

describe('planReconcile access changes', () => {
  it('lists who gets what where', () => {
    const plan = planEngineering({
      members: ['u1', 'u2'],
      orgGroups: [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u1', 'scim-u3'], accountAccess: [{ accountId: 'prod', roles: ['Developer'] }] })],
    });
    expect(plan.accessChanges).toEqual([
      { externalId: 'u1', userName: 'u1@example.com', before: [{ accountId: 'prod', roles: ['Developer'] }], after: ENGINEERING_ACCESS },
      { externalId: 'u2', userName: 'u2@example.com', before: [], after: ENGINEERING_ACCESS },
      { externalId: 'u3', userName: 'u3@example.com', before: [{ accountId: 'prod', roles: ['Developer'] }], after: [] },
    ]);
  });

  it('is absent without the role extension', () => {
    const plan = planEngineering({ members: ['u1'], orgGroups: [], hasRoleExtension: false });
    expect(plan.accessChanges).toBeUndefined();
  });
});
