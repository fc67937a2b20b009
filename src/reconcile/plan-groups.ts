import type { PolicyConfig } from '../config/schema.js';
import type { DesiredGroup, Operation } from '../domain/operations.js';
import type { AccountAccess, OrganizationGroup, OrganizationSnapshot } from '../domain/organization.js';
import type { PlanNotice } from '../domain/plan.js';
import { compareText, isSameAccountAccess, mergeAccountAccess, removedRoles } from './account-access.js';
import type { DesiredState } from './desired-state.js';
import type { UserPlan } from './plan-users.js';

/** Inputs of the group part of a plan. */
export interface GroupPlanInput {
  desired: DesiredState;
  organization: OrganizationSnapshot;
  policy: Pick<PolicyConfig, 'adoptExisting'>;
  /** The user part's decisions: which users will exist, and which SCIM id belongs to which IdP user. */
  users: Pick<UserPlan, 'missingUserIds' | 'externalIdByScimId' | 'retainedUserIds'>;
  /** False when the directory read was incomplete or empty, so no group, membership or role may be removed. */
  allowRemovals: boolean;
}

/** The group part of a plan. */
export interface GroupPlan {
  operations: Operation[];
  notices: PlanNotice[];
  /** Membership removals (per user), group deletions and role downgrades left out because removals are not allowed. */
  withheldRemovalCount: number;
  /** Members of groups whose role links lose a role in this plan, counted once per group. */
  downgradedMemberCount: number;
  /** The IdP id each unmanaged group adopted by this plan gets, by SCIM id. */
  adoptedGroups: ReadonlyMap<string, string>;
  /** IdP ids of desired groups this plan leaves out, because a same-name unmanaged group may not be adopted. */
  skippedGroupIds: ReadonlySet<string>;
}

/**
 * Plans the group operations: create (or adopt), rename, delete, membership
 * changes and account roles. Groups are matched on `externalId`; a group
 * without one is never changed, and a member without one is never removed.
 */
export function planGroups(input: GroupPlanInput): GroupPlan {
  const { desired, organization, policy } = input;
  const { managed, unmanaged } = indexOrganizationGroups(organization.groups);
  const unmanagedByName = new Map<string, OrganizationGroup>();
  for (const group of unmanaged) {
    const key = group.displayName.toLowerCase();
    if (!unmanagedByName.has(key)) unmanagedByName.set(key, group);
  }

  const operations: Operation[] = [];
  const notices: PlanNotice[] = [];
  const adoptedIds = new Set<string>();
  const adoptedGroups = new Map<string, string>();
  const skippedGroupIds = new Set<string>();
  let withheldRemovalCount = 0;
  let downgradedMemberCount = 0;

  for (const group of [...desired.groups.values()].sort((left, right) => compareText(left.externalId, right.externalId))) {
    let actual = managed.get(group.externalId);
    if (actual === undefined) {
      const existing = unmanagedByName.get(group.displayName.toLowerCase());
      const canAdopt = existing !== undefined && !adoptedIds.has(existing.id);
      if (canAdopt) adoptedIds.add(existing.id);
      if (canAdopt && !policy.adoptExisting) {
        // Mirrors users: a same-name group that may not be adopted is left alone, and so is its IdP twin.
        notices.push({
          kind: 'unmanaged-group',
          subject: existing.id,
          detail: `Organization group ${existing.displayName} has no externalId and matches IdP group ${group.externalId} by name, but policy.adoptExisting is false, so it is neither adopted nor changed.`,
        });
        skippedGroupIds.add(group.externalId);
        continue;
      }
      actual = canAdopt ? existing : undefined;
      if (canAdopt) adoptedGroups.set(existing.id, group.externalId);
      operations.push(groupCreate(group, canAdopt));
    } else if (actual.displayName !== group.displayName) {
      operations.push({
        kind: 'group-update',
        group: { externalId: group.externalId, displayName: group.displayName },
        reason: {
          rule: 'group-renamed',
          detail: 'The IdP group was renamed.',
          groups: [group.displayName],
          changes: [{ field: 'displayName', from: actual.displayName, to: group.displayName }],
        },
      });
    }

    const memberships = planMemberships(group, actual, input);
    operations.push(...memberships.operations);
    withheldRemovalCount += memberships.withheldCount;

    const roles = planRoles(group, actual?.accountAccess ?? [], input);
    if (roles.operation !== undefined) operations.push(roles.operation);
    if (roles.notice !== undefined) notices.push(roles.notice);
    withheldRemovalCount += roles.withheldCount;
    downgradedMemberCount += roles.downgradedMemberCount;
  }

  for (const actual of [...managed.values()]) {
    const externalId = actual.externalId ?? '';
    if (desired.groups.has(externalId)) continue;
    if (!input.allowRemovals) {
      withheldRemovalCount += 1;
      continue;
    }
    operations.push({
      kind: 'group-delete',
      externalId,
      displayName: actual.displayName,
      reason: { rule: 'group-unmapped', detail: 'No mapping entry selects this IdP group any more, or it is gone from the IdP.', groups: [actual.displayName] },
    });
  }

  for (const group of unmanaged) {
    if (adoptedIds.has(group.id)) continue;
    notices.push({
      kind: 'unmanaged-group',
      subject: group.id,
      detail: `Organization group ${group.displayName} has no externalId, so the daemon never changes, empties or deletes it.`,
    });
  }

  return { operations, notices, withheldRemovalCount, downgradedMemberCount, adoptedGroups, skippedGroupIds };
}

function groupCreate(group: DesiredGroup, isAdoption: boolean): Operation {
  return {
    kind: 'group-create',
    group: { externalId: group.externalId, displayName: group.displayName },
    reason: isAdoption
      ? { rule: 'adopt-existing', detail: 'Adopts the existing organization group of the same name, which has no externalId.', groups: [group.displayName] }
      : { rule: 'mapped-group', detail: 'A mapping entry selects this IdP group.', groups: [group.displayName] },
  };
}

function planMemberships(
  group: DesiredGroup,
  actual: OrganizationGroup | undefined,
  input: GroupPlanInput,
): { operations: Operation[]; withheldCount: number } {
  const { missingUserIds, externalIdByScimId, retainedUserIds } = input.users;
  const desiredMembers = new Set(group.memberExternalIds.filter((id) => !missingUserIds.has(id)));

  // Members without an externalId are not the daemon's, so they never appear here and are never removed.
  const actualMembers = new Set<string>();
  for (const scimId of actual?.memberIds ?? []) {
    const externalId = externalIdByScimId.get(scimId);
    if (externalId !== undefined) actualMembers.add(externalId);
  }

  const added = [...desiredMembers].filter((id) => !actualMembers.has(id)).sort(compareText);
  const removed = [...actualMembers].filter((id) => !desiredMembers.has(id) && !retainedUserIds.has(id)).sort(compareText);
  const operations: Operation[] = [];
  const groups = [group.displayName];
  if (added.length > 0) {
    operations.push({
      kind: 'membership-add',
      groupExternalId: group.externalId,
      userExternalIds: added,
      reason: { rule: 'group-member', detail: `Members of IdP group ${group.displayName}.`, groups },
    });
  }
  if (removed.length > 0 && input.allowRemovals) {
    operations.push({
      kind: 'membership-remove',
      groupExternalId: group.externalId,
      userExternalIds: removed,
      reason: { rule: 'left-group', detail: `No longer members of IdP group ${group.displayName}, or no longer in scope.`, groups },
    });
  }
  return { operations, withheldCount: input.allowRemovals ? 0 : removed.length };
}

function planRoles(
  group: DesiredGroup,
  actualAccess: readonly AccountAccess[],
  input: GroupPlanInput,
): { operation?: Operation; notice?: PlanNotice; withheldCount: number; downgradedMemberCount: number } {
  const current = mergeAccountAccess(actualAccess);
  // With removals withheld, a link may gain roles but never lose one.
  const target = input.allowRemovals ? mergeAccountAccess(group.accountAccess) : mergeAccountAccess([...group.accountAccess, ...current]);
  const withheldCount = isSameAccountAccess(target, group.accountAccess) ? 0 : group.memberExternalIds.length;
  if (isSameAccountAccess(target, current)) {
    return { withheldCount, downgradedMemberCount: 0 };
  }

  const isReportOnly = !input.organization.capabilities.hasRoleExtension;
  // A report-only link is never written, so it takes nothing away.
  const downgradedMemberCount = !isReportOnly && removedRoles(current, target).length > 0 ? group.memberExternalIds.length : 0;
  const operation: Operation = {
    kind: 'role-assignment',
    groupExternalId: group.externalId,
    accountAccess: target,
    reportOnly: isReportOnly,
    reason: {
      rule: 'mapping-roles',
      detail: `The mapping grants these account roles to IdP group ${group.displayName}.`,
      groups: [group.displayName],
      changes: [{ field: 'accountAccess', from: current, to: target }],
    },
  };
  if (!isReportOnly) {
    return { operation, withheldCount, downgradedMemberCount };
  }
  const links = target.map((entry) => `${entry.accountId}: ${entry.roles.join(', ')}`).join('; ');
  return {
    operation,
    withheldCount,
    downgradedMemberCount,
    notice: {
      kind: 'report-only-role',
      subject: group.externalId,
      detail: `The SCIM service has no account role extension, so set these roles on group ${group.displayName} in the Ably dashboard: ${links}.`,
    },
  };
}

function indexOrganizationGroups(groups: readonly OrganizationGroup[]): { managed: Map<string, OrganizationGroup>; unmanaged: OrganizationGroup[] } {
  const managed = new Map<string, OrganizationGroup>();
  const unmanaged: OrganizationGroup[] = [];
  for (const group of [...groups].sort((left, right) => compareText(left.id, right.id))) {
    if (group.externalId === undefined || group.externalId === '') {
      unmanaged.push(group);
    } else if (!managed.has(group.externalId)) {
      managed.set(group.externalId, group);
    }
  }
  return { managed, unmanaged };
}
