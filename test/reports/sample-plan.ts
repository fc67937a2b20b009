import type { DirectorySnapshot, DirectoryUser, UserLifecycle } from '../../src/domain/directory.js';
import type { ReconcilePlan } from '../../src/domain/plan.js';
import { planReconcile } from '../../src/reconcile/index.js';
import { createSampleDirectory, type SampleStatus } from '../../src/sandbox/sample-directory.js';
import { makeConfig, NOW, organization, organizationGroup, organizationUser } from '../reconcile/builders.js';

const LIFECYCLE_BY_STATUS: Record<SampleStatus, UserLifecycle> = {
  ACTIVE: 'active',
  PASSWORD_EXPIRED: 'active',
  LOCKED_OUT: 'active',
  RECOVERY: 'active',
  SUSPENDED: 'suspended',
  DEPROVISIONED: 'deprovisioned',
  STAGED: 'pending',
  PROVISIONED: 'pending',
};

/** A group name with HTML and Markdown syntax, to prove the renderers escape it. */
export const HOSTILE_GROUP_NAME = 'Platform <script>alert(1)</script> & *ops* | `x`';

/** Returns the project's sample directory (60 users) as a snapshot, with one group renamed to `HOSTILE_GROUP_NAME`. */
export function sampleSnapshot(): DirectorySnapshot {
  const sample = createSampleDirectory({ userCount: 60, groupCount: 10 });
  const users: DirectoryUser[] = sample.users.map((user) => ({
    externalId: user.id,
    login: user.login,
    email: user.email,
    givenName: user.firstName,
    familyName: user.lastName,
    lifecycle: LIFECYCLE_BY_STATUS[user.status],
    sourceStatus: user.status,
  }));
  users.push({ externalId: '00u-foreign', login: 'guest@contractor.example.net', email: 'guest@contractor.example.net', lifecycle: 'active', sourceStatus: 'ACTIVE' });
  const groups = sample.groups.map((group) => ({
    externalId: group.id,
    name: group.name === 'Platform' ? HOSTILE_GROUP_NAME : group.name,
    memberIds: group.name === 'Engineering' ? [...group.memberIds, '00u-foreign'] : group.memberIds,
  }));
  return { source: 'okta', users, groups, isComplete: true, incompleteReasons: [], skipped: [], readAt: NOW.toISOString() };
}

/**
 * Plans the sample directory against an organization that already contains a
 * few managed users (one to rename, one gone from the IdP), an unmanaged admin
 * and a stale group, so the plan has every operation kind but `group-update`.
 */
export function samplePlan(options: { hasRoleExtension?: boolean; maxRemovals?: number } = {}): ReconcilePlan {
  const snapshot = sampleSnapshot();
  const first = snapshot.users[0];
  const renamed = first ? organizationUser(first.externalId, { userName: 'ada.old@example.com', givenName: first.givenName, familyName: first.familyName }) : undefined;
  const org = organization(
    [
      ...(renamed ? [renamed] : []),
      organizationUser('00u-left-company', { userName: 'former.staff@example.com' }),
      { id: 'scim-admin', userName: 'it.admin@example.com', active: true },
    ],
    [organizationGroup('00g-stale', 'Old team', { memberIds: ['scim-00u-left-company'] })],
    { hasRoleExtension: options.hasRoleExtension ?? true },
  );
  const config = makeConfig({
    mapping: {
      groups: [
        { idpGroup: { name: 'Engineering' }, accounts: [{ account: 'prod', roles: ['Developer'] }, { account: 'dev', roles: ['Admin'] }] },
        { idpGroup: { pattern: 'Platform.*' }, accounts: [{ account: 'prod', roles: ['Admin'] }] },
        { idpGroup: { name: 'Finance' }, accounts: [{ account: 'prod', roles: ['Billing'] }] },
      ],
    },
    policy: { holds: { maxRemovals: options.maxRemovals ?? 25, maxRemovalPercent: 100 } },
  });
  return planReconcile({ directory: snapshot, organization: org, config, deactivatedAt: new Map(), now: NOW });
}
