import { describe, expect, it } from 'vitest';
import { OPERATION_PHASES, type Operation } from '../../src/domain/operations.js';
import { buildDesiredState, planFromDesiredState, planReconcile, type PlanInput } from '../../src/reconcile/index.js';
import { directory, directoryGroup, directoryUser, makeConfig, organization, organizationGroup, organizationUser, planInput } from './builders.js';

const REMOVAL_KINDS = new Set(['deprovision', 'membership-remove', 'group-delete']);

/** Builds an organization with ten managed users u0..u9 in Engineering and a stale group; `extraAdmin` adds a prod Admin link the mapping lacks. */
function organizationWithTenUsers(extraAdmin = true) {
  const users = Array.from({ length: 10 }, (_, index) => organizationUser(`u${index}`));
  return organization(users, [
    organizationGroup('g-eng', 'Engineering', {
      memberIds: users.map((user) => user.id),
      accountAccess: [
        { accountId: 'dev', roles: ['Admin'] },
        { accountId: 'prod', roles: extraAdmin ? ['Developer', 'Admin'] : ['Developer'] },
      ],
    }),
    organizationGroup('g-stale', 'Stale'),
  ]);
}

/** Builds a directory that keeps u0..u(keep-1) in Engineering, plus a new user. */
function directoryKeeping(keep: number, fields: Parameters<typeof directory>[2] = {}) {
  const ids = [...Array.from({ length: keep }, (_, index) => `u${index}`), 'new'];
  return directory(ids.map((id) => directoryUser(id)), [directoryGroup('g-eng', 'Engineering', ids)], fields);
}

function planFor(fields: Partial<PlanInput> & Pick<PlanInput, 'directory'>) {
  return planReconcile(planInput({ organization: organizationWithTenUsers(), ...fields }));
}

function isDowngrade(operation: Operation): boolean {
  return operation.kind === 'role-assignment' && JSON.stringify(operation.reason.changes?.[0]?.from) !== JSON.stringify(operation.accountAccess);
}

describe('planReconcile with an incomplete directory', () => {
  it.each([
    { name: 'incomplete read', directory: directoryKeeping(5, { isComplete: false, incompleteReasons: ['users page 3 failed'] }) },
    { name: 'empty read', directory: directory([], []) },
    { name: 'empty read with groups', directory: directory([], [directoryGroup('g-eng', 'Engineering', [])]) },
  ])('$name withholds every removal', ({ directory: snapshot }) => {
    const plan = planFor({ directory: snapshot });
    expect(plan.isSourceComplete).toBe(false);
    expect(plan.operations.filter((operation) => REMOVAL_KINDS.has(operation.kind))).toEqual([]);
    expect(plan.operations.filter(isDowngrade)).toEqual([]);
    expect(plan.hold).toBeUndefined();
    expect(plan.notices).toContainEqual(expect.objectContaining({ kind: 'removals-withheld', subject: 'directory' }));
  });

  it('still provisions and adds members', () => {
    const plan = planFor({ directory: directoryKeeping(5, { isComplete: false, incompleteReasons: ['timeout'] }) });
    expect(plan.operations.map((operation) => operation.kind)).toEqual(['provision', 'membership-add']);
  });

  it('names the reason and the withheld count', () => {
    const plan = planFor({ directory: directoryKeeping(5, { isComplete: false, incompleteReasons: ['users page 3 failed'] }) });
    const notice = plan.notices.find((item) => item.kind === 'removals-withheld');
    // 5 deactivations, 5 membership removals, 1 group deletion, and the Admin downgrade for 6 members.
    expect(notice?.detail).toContain('users page 3 failed');
    expect(notice?.detail).toContain('17 removals were withheld');
  });

  it('adds roles but keeps extra ones', () => {
    const org = organization([organizationUser('u0')], [organizationGroup('g-eng', 'Engineering', { memberIds: ['scim-u0'], accountAccess: [{ accountId: 'staging', roles: ['Billing'] }] })]);
    const plan = planFor({ directory: directoryKeeping(1, { isComplete: false }), organization: org });
    const assignment = plan.operations.find((operation) => operation.kind === 'role-assignment');
    expect(assignment).toMatchObject({
      accountAccess: [
        { accountId: 'dev', roles: ['Admin'] },
        { accountId: 'prod', roles: ['Developer'] },
        { accountId: 'staging', roles: ['Billing'] },
      ],
    });
  });
});

describe('planReconcile safety holds', () => {
  it.each([
    // Removals: one deactivation and one membership removal per user who left; group deletions do not count.
    { keep: 10, maxRemovals: 25, maxRemovalPercent: 10, removals: 0, held: false },
    { keep: 9, maxRemovals: 25, maxRemovalPercent: 20, removals: 2, held: false },
    { keep: 9, maxRemovals: 25, maxRemovalPercent: 19, removals: 2, held: true },
    { keep: 9, maxRemovals: 1, maxRemovalPercent: 100, removals: 2, held: true },
    { keep: 9, maxRemovals: 2, maxRemovalPercent: 100, removals: 2, held: false },
    { keep: 7, maxRemovals: 5, maxRemovalPercent: 100, removals: 6, held: true },
    { keep: 7, maxRemovals: 0, maxRemovalPercent: 0, removals: 6, held: true },
  ])('keep $keep, max $maxRemovals / $maxRemovalPercent% → held $held', ({ keep, maxRemovals, maxRemovalPercent, removals, held }) => {
    const plan = planFor({
      directory: directoryKeeping(keep),
      organization: organizationWithTenUsers(false),
      config: makeConfig({ policy: { holds: { maxRemovals, maxRemovalPercent } } }),
    });
    expect(plan.hold !== undefined).toBe(held);
    if (plan.hold) {
      expect(plan.hold.removalCount).toBe(removals);
      expect(plan.hold.managedUserCount).toBe(10);
    }
  });

  it('counts a role downgrade once per member', () => {
    const plan = planFor({ directory: directoryKeeping(10), config: makeConfig({ policy: { holds: { maxRemovals: 10, maxRemovalPercent: 100 } } }) });
    // Engineering loses prod Admin, and has 11 desired members after the plan.
    expect(plan.hold).toMatchObject({ removalCount: 11 });
    expect(plan.hold?.reason).toContain('maxRemovals');
  });

  it('holds a mass removal by default', () => {
    const plan = planFor({ directory: directoryKeeping(2) });
    // 8 deactivations, 8 membership removals, and the Admin downgrade for the 3 remaining members.
    expect(plan.hold).toMatchObject({ removalCount: 8 + 8 + 3, managedUserCount: 10 });
    expect(plan.hold?.reason).toContain('maxRemovalPercent');
    expect(plan.operations.filter((operation) => operation.kind === 'deprovision')).toHaveLength(8);
  });

  it('releases a held plan approved by id', () => {
    const held = planFor({ directory: directoryKeeping(2) });
    const approved = planFor({ directory: directoryKeeping(2), approvedPlanId: held.id });
    expect(approved.id).toBe(held.id);
    expect(approved.hold).toBeUndefined();
    expect(approved.operations).toEqual(held.operations);
  });

  it('ignores an approval of another plan', () => {
    const held = planFor({ directory: directoryKeeping(2) });
    const other = planFor({ directory: directoryKeeping(3), approvedPlanId: held.id });
    expect(other.id).not.toBe(held.id);
    expect(other.hold).toBeDefined();
  });
});

describe('planReconcile determinism', () => {
  it('gives the same id for the same changes in any input order', () => {
    const first = planFor({ directory: directoryKeeping(9) });
    const shuffled = directoryKeeping(9);
    shuffled.users.reverse();
    shuffled.groups[0]?.memberIds.reverse();
    const org = organizationWithTenUsers();
    org.users.reverse();
    const second = planFor({ directory: shuffled, organization: org, now: new Date('2030-01-01T00:00:00Z') });
    expect(second.id).toBe(first.id);
    expect(second.operations).toEqual(first.operations);
  });

  it('plans the same from a prebuilt desired state', () => {
    const input = planInput({ organization: organizationWithTenUsers(), directory: directoryKeeping(6) });
    const desired = buildDesiredState(input.directory, input.config);
    expect(planFromDesiredState(desired, input)).toEqual(planReconcile(input));
  });

  it('changes the id when the changes differ', () => {
    expect(planFor({ directory: directoryKeeping(9) }).id).not.toBe(planFor({ directory: directoryKeeping(8) }).id);
  });

  it('orders operations by phase', () => {
    const plan = planFor({ directory: directoryKeeping(3) });
    const phaseOf = (operation: Operation) => OPERATION_PHASES.findIndex((phase) => phase.includes(operation.kind));
    const phases = plan.operations.map(phaseOf);
    expect(phases).toEqual([...phases].sort((left, right) => left - right));
    expect(plan.counts).toEqual({ provision: 1, 'membership-add': 1, 'role-assignment': 1, 'membership-remove': 1, deprovision: 7, 'group-delete': 1 });
  });

  it('never assigns Owner', () => {
    const config = makeConfig({ mapping: { groups: [{ idpGroup: { name: 'Engineering' }, accounts: [{ account: 'prod', roles: ['Owner', 'Admin'] }] }] } });
    const plan = planFor({ directory: directoryKeeping(10), config });
    const roles = plan.operations.flatMap((operation) => (operation.kind === 'role-assignment' ? operation.accountAccess.flatMap((entry) => entry.roles) : []));
    expect(roles).toEqual(['Admin']);
  });
});
