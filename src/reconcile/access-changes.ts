import type { Operation } from '../domain/operations.js';
import type { AccountAccess, OrganizationSnapshot } from '../domain/organization.js';
import type { PlanAccessChange } from '../domain/plan.js';
import { compareText, isSameAccountAccess, mergeAccountAccess } from './account-access.js';
import type { DesiredState } from './desired-state.js';
import type { UserPlan } from './plan-users.js';

/** Inputs of the per-user access comparison. */
export interface AccessChangeInput {
  desired: DesiredState;
  organization: OrganizationSnapshot;
  users: Pick<UserPlan, 'missingUserIds' | 'externalIdByScimId' | 'retainedUserIds'>;
  /** The IdP id each unmanaged group adopted by the plan gets, by SCIM id. */
  adoptedGroups: ReadonlyMap<string, string>;
  /** IdP ids of the desired groups the plan does not create. */
  skippedGroupIds: ReadonlySet<string>;
  operations: readonly Operation[];
  allowRemovals: boolean;
}

/** One Ably group's account links and members (by IdP id), now or after the plan. */
interface GroupGrant {
  accountAccess: readonly AccountAccess[];
  memberIds: ReadonlySet<string>;
}

/**
 * Lists the users whose group-inherited account roles change with the plan:
 * who gets what where. `before` unions the links of the Ably groups an active
 * user is in now, and `after` does the same once the plan is applied, with
 * withheld removals kept. Roles granted directly in Ably are not visible over
 * SCIM and are left out. Returns undefined without the role extension,
 * because links are not readable then.
 */
export function listAccessChanges(input: AccessChangeInput): PlanAccessChange[] | undefined {
  if (!input.organization.capabilities.hasRoleExtension) {
    return undefined;
  }

  const activeNow = activeUsers(input);
  const activeAfter = activeAfterPlan(input, activeNow);
  const before = accessByUser(groupsNow(input), activeNow);
  const after = accessByUser(groupsAfterPlan(input), activeAfter);
  const userNames = userNamesByExternalId(input);

  const changes: PlanAccessChange[] = [];
  for (const externalId of [...userNames.keys()].sort(compareText)) {
    const current = before.get(externalId) ?? [];
    const next = after.get(externalId) ?? [];
    if (!isSameAccountAccess(current, next)) {
      changes.push({ externalId, userName: userNames.get(externalId) ?? '', before: current, after: next });
    }
  }
  return changes;
}

function groupsNow(input: AccessChangeInput): GroupGrant[] {
  return input.organization.groups.map((group) => ({ accountAccess: group.accountAccess, memberIds: currentMembers(group.memberIds, input) }));
}

/** Predicts each group's links and members after the plan, the way the operations change them. */
function groupsAfterPlan(input: AccessChangeInput): GroupGrant[] {
  const { desired, allowRemovals } = input;
  const grants: GroupGrant[] = [];
  const handledDesiredIds = new Set<string>();

  for (const group of input.organization.groups) {
    const current = currentMembers(group.memberIds, input);
    const desiredId = group.externalId || input.adoptedGroups.get(group.id);
    const target = desiredId === undefined ? undefined : desired.groups.get(desiredId);

    // Unmanaged groups never change, and with removals withheld a stale managed group stays as it is.
    if (desiredId === undefined || (target === undefined && !allowRemovals)) {
      grants.push({ accountAccess: group.accountAccess, memberIds: current });
      continue;
    }
    if (target === undefined) {
      continue;
    }

    handledDesiredIds.add(target.externalId);
    const members = new Set(desiredMembers(target.memberExternalIds, input));
    for (const id of current) {
      if (!allowRemovals || input.users.retainedUserIds.has(id)) members.add(id);
    }
    const accountAccess = allowRemovals ? target.accountAccess : mergeAccountAccess([...target.accountAccess, ...group.accountAccess]);
    grants.push({ accountAccess, memberIds: members });
  }

  for (const group of desired.groups.values()) {
    if (handledDesiredIds.has(group.externalId) || input.skippedGroupIds.has(group.externalId)) continue;
    grants.push({ accountAccess: group.accountAccess, memberIds: new Set(desiredMembers(group.memberExternalIds, input)) });
  }
  return grants;
}

function currentMembers(scimIds: readonly string[], input: AccessChangeInput): Set<string> {
  const members = new Set<string>();
  for (const scimId of scimIds) {
    const externalId = input.users.externalIdByScimId.get(scimId);
    if (externalId !== undefined) members.add(externalId);
  }
  return members;
}

function desiredMembers(memberExternalIds: readonly string[], input: AccessChangeInput): string[] {
  return memberExternalIds.filter((id) => !input.users.missingUserIds.has(id));
}

function accessByUser(groups: readonly GroupGrant[], activeUserIds: ReadonlySet<string>): Map<string, AccountAccess[]> {
  const grants = new Map<string, AccountAccess[]>();
  for (const group of groups) {
    for (const externalId of group.memberIds) {
      // A deactivated user has no access, whatever groups it is in.
      if (!activeUserIds.has(externalId)) continue;
      grants.set(externalId, [...(grants.get(externalId) ?? []), ...group.accountAccess]);
    }
  }
  return new Map([...grants].map(([externalId, access]) => [externalId, mergeAccountAccess(access)]));
}

/** Returns the IdP ids of the organization's active users, adopted ones included. */
function activeUsers(input: AccessChangeInput): Set<string> {
  const active = new Set<string>();
  for (const user of input.organization.users) {
    const externalId = input.users.externalIdByScimId.get(user.id);
    if (externalId !== undefined && user.active) active.add(externalId);
  }
  return active;
}

/** Returns the IdP ids of the users that are active once the plan is applied. */
function activeAfterPlan(input: AccessChangeInput, activeNow: ReadonlySet<string>): Set<string> {
  const active = new Set(activeNow);
  for (const operation of input.operations) {
    if (operation.kind === 'deprovision') {
      active.delete(operation.externalId);
    } else if (operation.kind === 'provision' || operation.kind === 'user-update') {
      if (operation.user.active) active.add(operation.user.externalId);
      else active.delete(operation.user.externalId);
    }
  }
  return active;
}

function userNamesByExternalId(input: AccessChangeInput): Map<string, string> {
  const userNames = new Map<string, string>();
  for (const user of input.organization.users) {
    const externalId = input.users.externalIdByScimId.get(user.id);
    if (externalId !== undefined) userNames.set(externalId, user.userName);
  }
  for (const user of input.desired.users.values()) {
    userNames.set(user.externalId, user.userName);
  }
  return userNames;
}
