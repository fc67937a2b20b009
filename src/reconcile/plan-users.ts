import { parseDurationMs } from '../config/duration.js';
import type { PolicyConfig } from '../config/schema.js';
import type { DesiredUser, FieldChange, Operation } from '../domain/operations.js';
import type { OrganizationSnapshot, OrganizationUser } from '../domain/organization.js';
import type { PlanNotice } from '../domain/plan.js';
import { compareText } from './account-access.js';
import type { DesiredState } from './desired-state.js';

/** Inputs of the user part of a plan. */
export interface UserPlanInput {
  desired: DesiredState;
  organization: OrganizationSnapshot;
  policy: Pick<PolicyConfig, 'deprovision' | 'adoptExisting'>;
  deactivatedAt: ReadonlyMap<string, string>;
  now: Date;
  /** False when the directory read was incomplete or empty, so no user may lose access. */
  allowRemovals: boolean;
}

/** The user part of a plan, and what the group part needs from it. */
export interface UserPlan {
  operations: Operation[];
  notices: PlanNotice[];
  /** Deprovisions left out because removals are not allowed. */
  withheldRemovalCount: number;
  /** Desired users that will not exist in the organization after this plan, so no membership may name them. */
  missingUserIds: ReadonlySet<string>;
  /**
   * Managed users who left scope but keep their access because
   * `policy.deprovision.mode` is `none`. Their group memberships stay too, so
   * the mode changes nothing in Ably for them.
   */
  retainedUserIds: ReadonlySet<string>;
  /** The IdP id each organization user has, or gets from this plan by adoption, by SCIM id. */
  externalIdByScimId: ReadonlyMap<string, string>;
}

/**
 * Plans the user operations: provision (or adopt), update, deactivate and
 * delete. Users are matched on `externalId`; an organization user without one
 * is never changed, unless a desired user adopts it by `userName`.
 */
export function planUsers(input: UserPlanInput): UserPlan {
  const { desired, organization } = input;
  const { managed, unmanaged } = indexOrganizationUsers(organization.users);
  const index: OrganizationUserIndex = {
    managed,
    managedByUserName: new Map([...managed.values()].map((user) => [user.userName.toLowerCase(), user])),
    unmanagedByUserName: new Map(unmanaged.map((user) => [user.userName.toLowerCase(), user])),
  };

  const plan: UserPlanDraft = {
    operations: [],
    notices: [],
    missingUserIds: new Set<string>(),
    externalIdByScimId: new Map([...managed].map(([externalId, user]) => [user.id, externalId])),
    adoptedScimIds: new Set<string>(),
  };

  for (const user of sortedValues(desired.users)) {
    const actual = managed.get(user.externalId);
    if (actual === undefined) {
      planNewUser(user, input, index, plan);
    } else {
      planExistingUser(user, actual, input, index, plan);
    }
  }

  const removals = planUserRemovals(input, managed);
  plan.operations.push(...removals.operations);
  plan.notices.push(...removals.notices);

  for (const user of unmanaged) {
    if (plan.adoptedScimIds.has(user.id)) continue;
    plan.notices.push({
      kind: 'unmanaged-user',
      subject: user.id,
      detail: `Organization user ${user.userName} has no externalId, so the daemon never changes or removes it.`,
    });
  }

  return {
    operations: plan.operations,
    notices: plan.notices,
    withheldRemovalCount: removals.withheldCount,
    missingUserIds: plan.missingUserIds,
    retainedUserIds: removals.retainedUserIds,
    externalIdByScimId: plan.externalIdByScimId,
  };
}

interface OrganizationUserIndex {
  managed: ReadonlyMap<string, OrganizationUser>;
  managedByUserName: ReadonlyMap<string, OrganizationUser>;
  unmanagedByUserName: ReadonlyMap<string, OrganizationUser>;
}

interface UserPlanDraft {
  operations: Operation[];
  notices: PlanNotice[];
  missingUserIds: Set<string>;
  externalIdByScimId: Map<string, string>;
  /** Unmanaged users matched by a desired user, adopted or not, so they get no generic notice. */
  adoptedScimIds: Set<string>;
}

function planExistingUser(user: DesiredUser, actual: OrganizationUser, input: UserPlanInput, index: OrganizationUserIndex, plan: UserPlanDraft): void {
  const groups = input.desired.scopes.get(user.externalId)?.groups ?? [];
  const update = planUserUpdate(user, actual, groups);
  if (update === undefined) {
    return;
  }

  // Ably rejects a rename onto a userName that another user has, so the rename waits until that user is renamed or gone.
  const userNameKey = user.userName.toLowerCase();
  const holder = index.managedByUserName.get(userNameKey) ?? index.unmanagedByUserName.get(userNameKey);
  if (holder !== undefined && holder.id !== actual.id) {
    plan.notices.push({
      kind: 'skipped-idp-object',
      subject: user.externalId,
      detail: `The new userName ${user.userName} belongs to another Ably user (SCIM id ${holder.id}), so this user is not updated. Resolve the duplicate in the IdP or in Ably.`,
    });
    return;
  }
  plan.operations.push(update);
}

function planNewUser(user: DesiredUser, input: UserPlanInput, index: OrganizationUserIndex, plan: UserPlanDraft): void {
  const groups = input.desired.scopes.get(user.externalId)?.groups ?? [];
  const userNameKey = user.userName.toLowerCase();

  // A suspended user keeps an Ably user it already has, but gets none it never had.
  if (!user.active) {
    plan.missingUserIds.add(user.externalId);
    return;
  }

  // Ably keeps userNames unique, and the workers never move a user from one IdP id to another.
  const holder = index.managedByUserName.get(userNameKey);
  if (holder !== undefined) {
    plan.missingUserIds.add(user.externalId);
    plan.notices.push({
      kind: 'skipped-idp-object',
      subject: user.externalId,
      detail: `The userName ${user.userName} belongs to the Ably user managed for IdP id ${holder.externalId ?? ''}, so this user is not provisioned. Resolve the duplicate in the IdP, or wait until the old user is deleted or renamed.`,
    });
    return;
  }

  const existing = index.unmanagedByUserName.get(userNameKey);
  if (existing !== undefined) {
    plan.adoptedScimIds.add(existing.id);
    if (!input.policy.adoptExisting) {
      plan.missingUserIds.add(user.externalId);
      plan.notices.push({
        kind: 'unmanaged-user',
        subject: existing.id,
        detail: `Organization user ${existing.userName} has no externalId and matches IdP user ${user.externalId} by userName, but policy.adoptExisting is false, so it is neither adopted nor changed.`,
      });
      return;
    }
    plan.externalIdByScimId.set(existing.id, user.externalId);
    plan.operations.push({
      kind: 'provision',
      user,
      reason: { rule: 'adopt-existing', detail: `Adopts the existing organization user ${existing.userName}, which has no externalId, by userName.`, groups },
    });
    return;
  }

  const isIncludedOnly = input.desired.scopes.get(user.externalId)?.isIncludedOnly ?? false;
  const reason = isIncludedOnly
    ? { rule: 'included-user', detail: 'Named in mapping.includeUsers; Ably grants Developer in the primary account.', groups }
    : { rule: 'in-mapped-group', detail: `Member of mapped IdP ${groups.length === 1 ? 'group' : 'groups'} ${groups.join(', ')}.`, groups };
  plan.operations.push({ kind: 'provision', user, reason });
}

function planUserUpdate(user: DesiredUser, actual: OrganizationUser, groups: string[]): Operation | undefined {
  const changes = diffUser(user, actual);
  if (changes.length === 0) {
    return undefined;
  }
  return { kind: 'user-update', user, reason: { ...updateReason(user, actual), groups, changes } };
}

/** Lists the owned attributes that differ. Emails and userNames compare case-insensitively; an empty name equals an absent one. */
function diffUser(user: DesiredUser, actual: OrganizationUser): FieldChange[] {
  const changes: FieldChange[] = [];
  if (user.userName.toLowerCase() !== actual.userName.toLowerCase()) {
    changes.push({ field: 'userName', from: actual.userName, to: user.userName });
  }
  const actualEmail = actual.email ?? actual.userName;
  if (user.userName.toLowerCase() !== actualEmail.toLowerCase()) {
    changes.push({ field: 'email', from: actualEmail, to: user.userName });
  }
  for (const field of ['givenName', 'familyName', 'displayName'] as const) {
    const from = actual[field] || undefined;
    const to = user[field] || undefined;
    if (from !== to) {
      changes.push({ field, from: from ?? null, to: to ?? null });
    }
  }
  if (user.active !== actual.active) {
    changes.push({ field: 'active', from: actual.active, to: user.active });
  }
  return changes;
}

function updateReason(user: DesiredUser, actual: OrganizationUser): { rule: string; detail: string } {
  if (user.active && !actual.active) {
    return { rule: 'reactivate', detail: 'Active again in the IdP, so the deactivated Ably user is reactivated.' };
  }
  if (!user.active && actual.active) {
    return { rule: 'idp-suspended', detail: 'Suspended in the IdP, so the Ably user is deactivated and kept.' };
  }
  if (user.userName.toLowerCase() !== actual.userName.toLowerCase()) {
    return { rule: 'identity-changed', detail: 'The email changed in the IdP; the same user is renamed, keeping its groups and roles.' };
  }
  return { rule: 'attributes-changed', detail: 'Names changed in the IdP.' };
}

const REMOVAL_DETAILS: Record<string, string> = {
  'absent-from-idp': 'No longer in the IdP directory.',
  excluded: 'Named in mapping.excludeUsers.',
  'not-in-mapped-group': 'No longer in a mapped IdP group.',
  'idp-deprovisioned': 'Deprovisioned in the IdP.',
  pending: 'Pending activation in the IdP.',
  'no-email': 'Has no usable email in the IdP.',
  'duplicate-email': 'Another IdP user has the same email.',
  'foreign-domain': "The IdP email is outside the organization's registered domain.",
};

function planUserRemovals(
  input: UserPlanInput,
  managed: ReadonlyMap<string, OrganizationUser>,
): { operations: Operation[]; notices: PlanNotice[]; withheldCount: number; retainedUserIds: Set<string> } {
  const { desired, policy } = input;
  const reasonById = new Map<string, string>(desired.outOfScope.map((entry) => [entry.externalId, entry.reason]));
  for (const rejection of desired.domainRejections) {
    reasonById.set(rejection.externalId, 'foreign-domain');
  }
  const gracePeriodMs = parseDurationMs(policy.deprovision.gracePeriod);

  const operations: Operation[] = [];
  const notices: PlanNotice[] = [];
  let withheldCount = 0;
  const retainedUserIds = new Set<string>();

  for (const [externalId, actual] of sortedEntries(managed)) {
    if (desired.users.has(externalId)) continue;

    const rule = reasonById.get(externalId) ?? 'absent-from-idp';
    const detail = REMOVAL_DETAILS[rule] ?? rule;
    const operation = planRemoval({ externalId, actual, rule, detail, input, gracePeriodMs });
    if (operation === undefined) continue;

    if (!input.allowRemovals) {
      withheldCount += 1;
    } else if (policy.deprovision.mode === 'none') {
      retainedUserIds.add(externalId);
      notices.push({ kind: 'removals-withheld', subject: externalId, detail: `${detail} policy.deprovision.mode is none, so the Ably user stays active.` });
    } else {
      operations.push(operation);
    }
  }
  return { operations, notices, withheldCount, retainedUserIds };
}

function planRemoval(options: {
  externalId: string;
  actual: OrganizationUser;
  rule: string;
  detail: string;
  input: UserPlanInput;
  gracePeriodMs: number;
}): Operation | undefined {
  const { externalId, actual, rule, detail, input } = options;
  if (actual.active) {
    return { kind: 'deprovision', externalId, userName: actual.userName, mode: 'deactivate', reason: { rule, detail } };
  }
  const policy = input.policy.deprovision;
  if (policy.mode !== 'delete' || !isGracePeriodOver(input.deactivatedAt.get(externalId), options.gracePeriodMs, input.now)) {
    return undefined;
  }
  return {
    kind: 'deprovision',
    externalId,
    userName: actual.userName,
    mode: 'delete',
    reason: { rule: 'grace-period-ended', detail: `${detail} Deactivated for at least ${policy.gracePeriod}, so the Ably user is deleted.` },
  };
}

/**
 * Returns true when a user deactivated at `deactivatedAt` has waited out the grace period.
 * NOTE: a user found inactive with no recorded deactivation time is never deleted; the jobs must record the time when they deactivate.
 */
function isGracePeriodOver(deactivatedAt: string | undefined, gracePeriodMs: number, now: Date): boolean {
  if (deactivatedAt === undefined) return false;
  const at = Date.parse(deactivatedAt);
  return Number.isFinite(at) && now.getTime() - at >= gracePeriodMs;
}

function indexOrganizationUsers(users: readonly OrganizationUser[]): { managed: Map<string, OrganizationUser>; unmanaged: OrganizationUser[] } {
  const managed = new Map<string, OrganizationUser>();
  const unmanaged: OrganizationUser[] = [];
  for (const user of [...users].sort((left, right) => compareText(left.id, right.id))) {
    if (user.externalId === undefined || user.externalId === '') {
      unmanaged.push(user);
    } else if (!managed.has(user.externalId)) {
      managed.set(user.externalId, user);
    }
  }
  return { managed, unmanaged };
}

function sortedEntries<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map.entries()].sort(([left], [right]) => compareText(left, right));
}

function sortedValues<T>(map: ReadonlyMap<string, T>): T[] {
  return sortedEntries(map).map(([, value]) => value);
}
