import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, UserLifecycle } from '../../src/domain/directory.js';
import type { AccountAccess, AccountRole, OrganizationGroup, OrganizationSnapshot, OrganizationUser } from '../../src/domain/organization.js';
import type { ReconcilePlan } from '../../src/domain/plan.js';
import { buildDesiredState, isActionableOperation, isEmailInRegisteredDomain, isSameAccountAccess, planReconcile, type PlanInput } from '../../src/reconcile/index.js';
import { applyPlan } from '../support/apply-plan.js';
import { directory, makeConfig, NOW, organization } from './builders.js';

// A pool of identities: index i is IdP user `u<i>`, and the organization may hold a user for the same
// identity, so renames, adoptions and removals meet without two identities ever sharing an email.
const USER_POOL = 12;
const GROUP_NAMES = ['Engineering', 'Platform', 'Platform-Ops', 'Finance', 'Sales', 'Legal'];
const GROUP_IDS = ['g-eng', 'g-plat', 'g-plat-ops', 'g-finance', 'g-sales', 'g-legal'];
const DAY_MS = 86_400_000;

const lifecycle = fc.constantFrom<UserLifecycle>('active', 'active', 'active', 'suspended', 'deprovisioned', 'pending');
const emailVariant = fc.constantFrom('plain', 'upper', 'renamed', 'foreign', 'subdomain');
const roles = fc.subarray<AccountRole>(['Developer', 'Billing', 'Admin']);
const accountAccess = fc.array(fc.record({ accountId: fc.constantFrom('prod', 'dev', 'staging'), roles }), { maxLength: 3 });

function emailFor(index: number, variant: string): string {
  switch (variant) {
    case 'upper':
      return `USER${index}@Example.COM`;
    case 'renamed':
      return `user${index}.new@example.com`;
    case 'foreign':
      return `user${index}@contractor.example.net`;
    case 'subdomain':
      return `user${index}@eu.example.com`;
    default:
      return `user${index}@example.com`;
  }
}

const directoryArbitrary: fc.Arbitrary<DirectorySnapshot> = fc
  .record({
    users: fc.array(
      fc.option(fc.record({ lifecycle, variant: emailVariant, givenName: fc.constantFrom('Ada', 'Grace', undefined) }), { nil: undefined }),
      { minLength: USER_POOL, maxLength: USER_POOL },
    ),
    groups: fc.array(fc.option(fc.subarray(Array.from({ length: USER_POOL }, (_, index) => index)), { nil: undefined }), {
      minLength: GROUP_NAMES.length,
      maxLength: GROUP_NAMES.length,
    }),
    isComplete: fc.boolean(),
  })
  .map(({ users, groups, isComplete }) => {
    const directoryUsers: DirectoryUser[] = [];
    users.forEach((user, index) => {
      if (user === undefined) return;
      const email = emailFor(index, user.variant);
      directoryUsers.push({ externalId: `u${index}`, login: email, email, givenName: user.givenName, familyName: `F${index}`, lifecycle: user.lifecycle, sourceStatus: user.lifecycle });
    });
    const directoryGroups: DirectoryGroup[] = [];
    groups.forEach((members, index) => {
      if (members === undefined) return;
      directoryGroups.push({ externalId: GROUP_IDS[index] ?? '', name: GROUP_NAMES[index] ?? '', memberIds: members.map((member) => `u${member}`) });
    });
    return directory(directoryUsers, directoryGroups, { isComplete, incompleteReasons: isComplete ? [] : ['a page failed'] });
  });

/**
 * Builds organizations over the same identity pool. With `withCollisions`, an
 * organization user may have the email of the next identity, so renames and
 * new users can meet a taken userName. UserNames stay unique, as in Ably.
 */
function organizationArbitrary(withCollisions: boolean): fc.Arbitrary<OrganizationSnapshot> {
  const userNameVariants = withCollisions ? ['plain', 'upper', 'old', 'taken', 'taken'] : ['plain', 'upper', 'old'];
  return fc
    .record({
      users: fc.array(
        fc.option(
          fc.record({
            isManaged: fc.boolean(),
            userName: fc.constantFrom(...userNameVariants),
            active: fc.boolean(),
            givenName: fc.constantFrom('Ada', 'Augusta', undefined),
          }),
          { nil: undefined },
        ),
        { minLength: USER_POOL, maxLength: USER_POOL },
      ),
      groups: fc.array(
        fc.option(fc.record({ isManaged: fc.boolean(), isRenamed: fc.boolean(), members: fc.subarray(Array.from({ length: USER_POOL }, (_, index) => index)), accountAccess }), {
          nil: undefined,
        }),
        { minLength: GROUP_NAMES.length, maxLength: GROUP_NAMES.length },
      ),
      hasRoleExtension: fc.boolean(),
    })
    .map(({ users, groups, hasRoleExtension }) => {
      const organizationUsers: OrganizationUser[] = [];
      const takenUserNames = new Set<string>();
      users.forEach((user, index) => {
        if (user === undefined) return;
        const userName = organizationUserName(index, user.userName);
        if (takenUserNames.has(userName.toLowerCase())) return;
        takenUserNames.add(userName.toLowerCase());
        organizationUsers.push({
          id: `scim-u${index}`,
          userName,
          email: userName,
          ...(user.isManaged ? { externalId: `u${index}` } : {}),
          active: user.active,
          givenName: user.givenName,
          familyName: `F${index}`,
        });
      });
      const organizationGroups: OrganizationGroup[] = [];
      groups.forEach((group, index) => {
        if (group === undefined) return;
        organizationGroups.push({
          id: `scim-g${index}`,
          displayName: group.isRenamed ? `${GROUP_NAMES[index]} (old)` : (GROUP_NAMES[index] ?? ''),
          ...(group.isManaged ? { externalId: GROUP_IDS[index] } : {}),
          memberIds: group.members.filter((member) => organizationUsers.some((user) => user.id === `scim-u${member}`)).map((member) => `scim-u${member}`),
          accountAccess: hasRoleExtension ? (group.accountAccess as AccountAccess[]) : [],
        });
      });
      return organization(organizationUsers, organizationGroups, { hasRoleExtension });
    });
}

function organizationUserName(index: number, variant: string): string {
  if (variant === 'old') return `user${index}.old@example.com`;
  if (variant === 'taken') return `user${(index + 1) % USER_POOL}@example.com`;
  return emailFor(index, variant);
}

const configArbitrary = fc
  .record({
    mode: fc.constantFrom('deactivate', 'delete', 'none'),
    adoptExisting: fc.boolean(),
    allowSubdomains: fc.boolean(),
    includeUsers: fc.subarray(['u0', 'user1@example.com', 'USER2@EXAMPLE.COM']),
    excludeUsers: fc.subarray(['u3', 'user4@example.com']),
  })
  .map((options) =>
    makeConfig({
      organization: { allowSubdomains: options.allowSubdomains },
      mapping: {
        includeUsers: options.includeUsers,
        excludeUsers: options.excludeUsers,
        groups: [
          { idpGroup: { name: 'engineering' }, accounts: [{ account: 'prod', roles: ['Developer'] }, { account: 'dev', roles: ['Admin'] }] },
          { idpGroup: { pattern: 'Plat.*' }, accounts: [{ account: 'prod', roles: ['Admin'] }] },
          { idpGroup: { name: 'Platform' }, accounts: [{ account: 'prod', roles: ['Developer'] }] },
          { idpGroup: { id: 'g-finance' }, accounts: [{ account: 'prod', roles: ['Billing'] }] },
        ],
      },
      policy: { adoptExisting: options.adoptExisting, deprovision: { mode: options.mode, gracePeriod: '7d' } },
    }),
  );

const deactivatedAtArbitrary = fc
  .array(fc.option(fc.constantFrom(1, 30), { nil: undefined }), { minLength: USER_POOL, maxLength: USER_POOL })
  .map((daysAgo) => new Map(daysAgo.flatMap((days, index) => (days === undefined ? [] : [[`u${index}`, new Date(NOW.getTime() - days * DAY_MS).toISOString()] as const]))));

function planInputArbitrary(withCollisions: boolean): fc.Arbitrary<PlanInput> {
  return fc
    .record({ directory: directoryArbitrary, organization: organizationArbitrary(withCollisions), config: configArbitrary, deactivatedAt: deactivatedAtArbitrary })
    .map((fields) => ({ ...fields, now: NOW }));
}

const inputArbitrary = planInputArbitrary(false);

const completeInputArbitrary = inputArbitrary.map((input) => ({ ...input, directory: { ...input.directory, isComplete: true, incompleteReasons: [] } }));

function actionable(plan: ReconcilePlan) {
  return plan.operations.filter(isActionableOperation);
}

function managedUser(organizationSnapshot: OrganizationSnapshot, externalId: string): OrganizationUser | undefined {
  return organizationSnapshot.users.find((user) => user.externalId === externalId);
}

/** Unions the links of the groups each active user is in, by SCIM id. */
function inheritedAccessByScimId(organizationSnapshot: OrganizationSnapshot): Map<string, AccountAccess[]> {
  const active = new Set(organizationSnapshot.users.filter((user) => user.active).map((user) => user.id));
  const access = new Map<string, AccountAccess[]>();
  for (const group of organizationSnapshot.groups) {
    for (const memberId of group.memberIds) {
      if (active.has(memberId)) access.set(memberId, [...(access.get(memberId) ?? []), ...group.accountAccess]);
    }
  }
  return access;
}

const RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

describe('planReconcile properties', () => {
  it('applying a plan twice converges', () => {
    fc.assert(
      fc.property(completeInputArbitrary, (input) => {
        const plan = planReconcile(input);
        const applied = applyPlan(plan, input.organization, { now: NOW, deactivatedAt: input.deactivatedAt });
        const second = planReconcile({ ...input, organization: applied.organization, deactivatedAt: applied.deactivatedAt });
        expect(actionable(second)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('applying a plan yields the desired state', () => {
    fc.assert(
      fc.property(completeInputArbitrary, (input) => {
        const plan = planReconcile(input);
        const { organization: after } = applyPlan(plan, input.organization, { now: NOW, deactivatedAt: input.deactivatedAt });
        const desired = buildDesiredState(input.directory, input.config);
        // An empty directory counts as incomplete, so it removes nothing.
        const removesNothing = input.directory.users.length === 0;

        for (const user of desired.users.values()) {
          const actual = managedUser(after, user.externalId);
          const existed = input.organization.users.some(
            (candidate) => candidate.externalId === user.externalId || (!candidate.externalId && candidate.userName.toLowerCase() === user.userName.toLowerCase()),
          );
          // Not created: a suspended user never in Ably, or a same-name user when adoption is off.
          if (actual === undefined) {
            expect(!user.active || (existed && !input.config.policy.adoptExisting)).toBe(true);
            continue;
          }
          expect(actual.userName.toLowerCase()).toBe(user.userName.toLowerCase());
          expect(actual.active).toBe(user.active);
          expect(actual.givenName || undefined).toBe(user.givenName);
        }

        const mode = input.config.policy.deprovision.mode;
        for (const actual of after.users) {
          if (!actual.externalId || desired.users.has(actual.externalId)) continue;
          const before = managedUser(input.organization, actual.externalId);
          expect(actual.active).toBe(mode === 'none' || removesNothing ? before?.active : false);
        }

        for (const group of desired.groups.values()) {
          const actual = after.groups.find((candidate) => candidate.externalId === group.externalId);
          const hasUnmanagedTwin = input.organization.groups.some(
            (candidate) => !candidate.externalId && candidate.displayName.toLowerCase() === group.displayName.toLowerCase(),
          );
          const wasManaged = input.organization.groups.some((candidate) => candidate.externalId === group.externalId);
          // Not created: a same-name unmanaged group exists and adoption is off.
          if (actual === undefined) {
            expect(wasManaged).toBe(false);
            expect(hasUnmanagedTwin).toBe(true);
            expect(input.config.policy.adoptExisting).toBe(false);
            continue;
          }
          expect(actual.displayName).toBe(group.displayName);
          const managedMembers = actual.memberIds
            .map((id) => after.users.find((user) => user.id === id)?.externalId)
            .filter((id): id is string => id !== undefined)
            .sort();
          const present = group.memberExternalIds.filter((id) => managedUser(after, id) !== undefined);
          // Mode none, and a read that removes nothing, leave earlier members in their groups.
          const retained =
            mode === 'none' || removesNothing
              ? managedMembers.filter((id) => wasMemberBefore(input.organization, group, id))
              : [];
          expect(managedMembers).toEqual([...new Set([...present, ...retained])].sort());
          if (input.organization.capabilities.hasRoleExtension) {
            // Without removals a link keeps extra roles, so the desired roles are only a subset.
            const expected = removesNothing ? [...group.accountAccess, ...actual.accountAccess] : group.accountAccess;
            expect(isSameAccountAccess(actual.accountAccess, expected)).toBe(true);
          }
        }
        for (const actual of after.groups) {
          if (actual.externalId && !removesNothing) expect(desired.groups.has(actual.externalId)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('lists every access change applying makes', () => {
    const withRoles = inputArbitrary.map((input) => ({
      ...input,
      organization: { ...input.organization, capabilities: { ...input.organization.capabilities, hasRoleExtension: true } },
    }));
    fc.assert(
      fc.property(withRoles, (input) => {
        const plan = planReconcile(input);
        const { organization: after } = applyPlan(plan, input.organization, { now: NOW, deactivatedAt: input.deactivatedAt });
        const accessBefore = inheritedAccessByScimId(input.organization);
        const accessAfter = inheritedAccessByScimId(after);
        const listed = new Map((plan.accessChanges ?? []).map((change) => [change.externalId, change]));

        for (const user of after.users) {
          if (!user.externalId) continue;
          const change = listed.get(user.externalId);
          const now = accessAfter.get(user.id) ?? [];
          if (change === undefined) {
            expect(isSameAccountAccess(now, accessBefore.get(user.id) ?? [])).toBe(true);
          } else {
            expect(isSameAccountAccess(now, change.after)).toBe(true);
            expect(isSameAccountAccess(accessBefore.get(user.id) ?? [], change.before)).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it('settles despite taken userNames', () => {
    const colliding = planInputArbitrary(true).map((input) => ({ ...input, directory: { ...input.directory, isComplete: true, incompleteReasons: [] } }));
    fc.assert(
      fc.property(colliding, (input) => {
        let organizationSnapshot = input.organization;
        let deactivatedAt: ReadonlyMap<string, string> = input.deactivatedAt;
        let remaining = Number.POSITIVE_INFINITY;
        // A rename frees a userName for the next run only, because one phase runs its operations in parallel,
        // so a chain of renames through the pool may take one run per identity.
        for (let round = 0; round <= USER_POOL && remaining > 0; round += 1) {
          const plan = planReconcile({ ...input, organization: organizationSnapshot, deactivatedAt });
          remaining = actionable(plan).length;
          const applied = applyPlan(plan, organizationSnapshot, { now: NOW, deactivatedAt });
          organizationSnapshot = applied.organization;
          deactivatedAt = applied.deactivatedAt;
        }
        expect(remaining).toBe(0);
        const userNames = organizationSnapshot.users.map((user) => user.userName.toLowerCase());
        expect(new Set(userNames).size).toBe(userNames.length);
      }),
      RUNS,
    );
  });

  it('an incomplete directory never removes anything', () => {
    const incomplete = inputArbitrary.map((input) => ({ ...input, directory: { ...input.directory, isComplete: false } }));
    fc.assert(
      fc.property(incomplete, (input) => {
        const plan = planReconcile(input);
        for (const operation of plan.operations) {
          expect(['deprovision', 'membership-remove', 'group-delete']).not.toContain(operation.kind);
          if (operation.kind === 'role-assignment') {
            const before = input.organization.groups.find((group) => group.externalId === operation.groupExternalId)?.accountAccess ?? [];
            for (const entry of before) {
              const after = operation.accountAccess.find((candidate) => candidate.accountId === entry.accountId);
              for (const role of entry.roles) expect(after?.roles).toContain(role);
            }
          }
        }
        expect(plan.hold).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('never provisions a foreign domain', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = planReconcile(input);
        for (const operation of plan.operations) {
          if (operation.kind === 'provision' || operation.kind === 'user-update') {
            expect(isEmailInRegisteredDomain(operation.user.userName, input.config.organization)).toBe(true);
          }
        }
        const checked = plan.operations.flatMap((operation) => (operation.kind === 'domain-check' ? [operation.externalId] : []));
        expect(new Set(checked).size).toBe(checked.length);
      }),
      RUNS,
    );
  });

  it('never assigns Owner', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = planReconcile(input);
        for (const operation of plan.operations) {
          if (operation.kind !== 'role-assignment') continue;
          for (const entry of operation.accountAccess) expect(entry.roles).not.toContain('Owner');
        }
      }),
      RUNS,
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const reversed = {
          ...input,
          directory: { ...input.directory, users: [...input.directory.users].reverse(), groups: [...input.directory.groups].reverse() },
          organization: { ...input.organization, users: [...input.organization.users].reverse(), groups: [...input.organization.groups].reverse() },
        };
        expect(planReconcile(reversed)).toEqual(planReconcile(input));
      }),
      RUNS,
    );
  });
});

/** Returns whether a user was a member of the group (managed, or adoptable by name) before the plan. */
function wasMemberBefore(organization: OrganizationSnapshot, group: { externalId: string; displayName: string }, userExternalId: string): boolean {
  const before = organization.groups.find(
    (candidate) =>
      candidate.externalId === group.externalId ||
      (!candidate.externalId && candidate.displayName.toLowerCase() === group.displayName.toLowerCase()),
  );
  const user = organization.users.find((candidate) => candidate.externalId === userExternalId);
  return before !== undefined && user !== undefined && before.memberIds.includes(user.id);
}
