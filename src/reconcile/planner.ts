import type { Config } from '../config/schema.js';
import type { DirectorySnapshot } from '../domain/directory.js';
import { OPERATION_PHASES, type Operation, type OperationKind } from '../domain/operations.js';
import type { AccountAccess, OrganizationSnapshot } from '../domain/organization.js';
import type { PlanAccountSummary, PlanNotice, ReconcilePlan } from '../domain/plan.js';
import { compareText } from './account-access.js';
import { listAccessChanges } from './access-changes.js';
import { buildDesiredState, type DesiredState } from './desired-state.js';
import { countRemovals, decideHold } from './holds.js';
import { computePlanId } from './plan-id.js';
import { planGroups } from './plan-groups.js';
import { planUsers } from './plan-users.js';

/** Everything one planning run reads. The planner does no I/O and reads no clock. */
export interface PlanInput {
  directory: DirectorySnapshot;
  /** Includes `capabilities.hasRoleExtension`. */
  organization: OrganizationSnapshot;
  config: Pick<Config, 'organization' | 'mapping' | 'policy'>;
  /** When each managed user was deactivated by the daemon, by externalId (ISO time), for the delete grace period. */
  deactivatedAt: ReadonlyMap<string, string>;
  now: Date;
  /** Set when an operator approved this exact plan id; a held plan with this id is then not held. */
  approvedPlanId?: string;
}

/**
 * Plans the operations that bring the organization in step with the
 * directory. Pure and deterministic: the same input gives the same plan, with
 * operations ordered by `OPERATION_PHASES`, then kind, then IdP id.
 *
 * When the directory read is incomplete, or has no users at all, the plan
 * removes nothing (no deprovision, membership removal, group deletion or role
 * downgrade) and records that in a `removals-withheld` notice.
 */
export function planReconcile(input: PlanInput): ReconcilePlan {
  const desired = buildDesiredState(input.directory, input.config);
  return planFromDesiredState(desired, input);
}

/** Plans from a desired state built beforehand, for callers that keep it (the jobs store it per user and group). */
export function planFromDesiredState(desired: DesiredState, input: PlanInput): ReconcilePlan {
  const { directory, organization, config } = input;
  const isSourceComplete = directory.isComplete && directory.users.length > 0;

  const users = planUsers({
    desired,
    organization,
    policy: config.policy,
    deactivatedAt: input.deactivatedAt,
    now: input.now,
    allowRemovals: isSourceComplete,
  });
  const groups = planGroups({ desired, organization, policy: config.policy, users, allowRemovals: isSourceComplete });

  const operations = sortOperations([...domainChecks(desired), ...users.operations, ...groups.operations]);
  const notices = [...users.notices, ...groups.notices, ...skippedNotices(desired, directory)];
  if (!isSourceComplete) {
    notices.push(withheldNotice(directory, users.withheldRemovalCount + groups.withheldRemovalCount));
  }

  const id = computePlanId(operations);
  const managedUserCount = organization.users.filter((user) => user.externalId).length;
  const hold = decideHold({
    removalCount: countRemovals(operations, groups.downgradedMemberCount),
    managedUserCount,
    holds: config.policy.holds,
  });

  const plan: ReconcilePlan = {
    id,
    createdAt: input.now.toISOString(),
    source: directory.source,
    isSourceComplete,
    operations,
    notices: sortNotices(notices),
    counts: countByKind(operations),
    accounts: summarizeAccounts(operations, desired, config.organization.accounts),
  };
  const accessChanges = listAccessChanges({
    desired,
    organization,
    users,
    adoptedGroups: groups.adoptedGroups,
    skippedGroupIds: groups.skippedGroupIds,
    operations,
    allowRemovals: isSourceComplete,
  });
  if (accessChanges !== undefined) {
    plan.accessChanges = accessChanges;
  }
  if (hold !== undefined && input.approvedPlanId !== id) {
    plan.hold = hold;
  }
  return plan;
}

/**
 * Returns true when an operation changes the organization. A `domain-check`
 * only records a rejected user, and a report-only `role-assignment` only lists
 * a link for the dashboard, so both appear in every plan until someone acts.
 */
export function isActionableOperation(operation: Operation): boolean {
  if (operation.kind === 'domain-check') return false;
  if (operation.kind === 'role-assignment') return !operation.reportOnly;
  return true;
}

/** Sorts operations by phase, then by kind within the phase, then by the IdP id they name. */
export function sortOperations(operations: readonly Operation[]): Operation[] {
  return [...operations].sort((left, right) => kindRank(left.kind) - kindRank(right.kind) || compareText(operationKey(left), operationKey(right)));
}

const KIND_ORDER: readonly OperationKind[] = OPERATION_PHASES.flat();

function kindRank(kind: OperationKind): number {
  return KIND_ORDER.indexOf(kind);
}

/** Returns the IdP id an operation is about, which is unique per kind within a plan. */
export function operationKey(operation: Operation): string {
  switch (operation.kind) {
    case 'provision':
    case 'user-update':
      return operation.user.externalId;
    case 'deprovision':
    case 'domain-check':
    case 'group-delete':
      return operation.externalId;
    case 'group-create':
    case 'group-update':
      return operation.group.externalId;
    case 'membership-add':
    case 'membership-remove':
    case 'role-assignment':
      return operation.groupExternalId;
  }
}

function domainChecks(desired: DesiredState): Operation[] {
  return desired.domainRejections.map((rejection) => ({
    kind: 'domain-check',
    externalId: rejection.externalId,
    email: rejection.email,
    registeredDomain: rejection.registeredDomain,
    reason: {
      rule: 'foreign-domain',
      detail: `The email domain ${rejection.domain} is not the registered domain ${rejection.registeredDomain}, so Ably would reject this user.`,
      groups: rejection.groups,
    },
  }));
}

function skippedNotices(desired: DesiredState, directory: DirectorySnapshot): PlanNotice[] {
  const notices: PlanNotice[] = directory.skipped.map((skipped) => ({
    kind: 'skipped-idp-object',
    subject: skipped.id ?? skipped.kind,
    detail: `The connector skipped this ${skipped.kind}: ${skipped.reason}`,
  }));
  for (const entry of desired.outOfScope) {
    if (entry.reason === 'no-email') {
      notices.push({ kind: 'skipped-idp-object', subject: entry.externalId, detail: 'The IdP user has no email and its login is not an email address, so it cannot become an Ably user.' });
    } else if (entry.reason === 'duplicate-email') {
      notices.push({ kind: 'skipped-idp-object', subject: entry.externalId, detail: 'Another IdP user with a lower id has the same email, and Ably userNames are unique, so this user is left out.' });
    }
  }
  return notices;
}

function withheldNotice(directory: DirectorySnapshot, withheldCount: number): PlanNotice {
  // A failed read also returns few or no users, so its reasons come first.
  const why = directory.isComplete
    ? 'The directory read returned no users'
    : `The directory read was incomplete (${directory.incompleteReasons.join('; ') || 'no reason given'})`;
  return {
    kind: 'removals-withheld',
    subject: 'directory',
    detail: `${why}, so ${withheldCount} removals were withheld: no user is deprovisioned and no membership, group or role is removed.`,
  };
}

function sortNotices(notices: readonly PlanNotice[]): PlanNotice[] {
  return [...notices].sort(
    (left, right) => compareText(left.kind, right.kind) || compareText(left.subject, right.subject) || compareText(left.detail, right.detail),
  );
}

function countByKind(operations: readonly Operation[]): Partial<Record<OperationKind, number>> {
  const counts: Partial<Record<OperationKind, number>> = {};
  for (const operation of operations) {
    counts[operation.kind] = (counts[operation.kind] ?? 0) + 1;
  }
  return counts;
}

function summarizeAccounts(
  operations: readonly Operation[],
  desired: DesiredState,
  accounts: readonly { id: string; name: string }[],
): PlanAccountSummary[] {
  const summaries = new Map<string, PlanAccountSummary>(
    accounts.map((account) => [account.id, { accountId: account.id, accountName: account.name, roleAssignmentCount: 0, membersAdded: 0, membersRemoved: 0 }]),
  );
  const accountIdsOf = (access: readonly AccountAccess[]) => new Set(access.map((entry) => entry.accountId));

  for (const operation of operations) {
    if (operation.kind === 'role-assignment') {
      const before = operation.reason.changes?.find((change) => change.field === 'accountAccess')?.from;
      const touched = new Set([...accountIdsOf(operation.accountAccess), ...accountIdsOf(Array.isArray(before) ? (before as AccountAccess[]) : [])]);
      for (const accountId of touched) {
        const summary = summaries.get(accountId);
        if (summary !== undefined) summary.roleAssignmentCount += 1;
      }
    } else if (operation.kind === 'membership-add' || operation.kind === 'membership-remove') {
      const grants = desired.groups.get(operation.groupExternalId)?.accountAccess ?? [];
      for (const accountId of accountIdsOf(grants)) {
        const summary = summaries.get(accountId);
        if (summary === undefined) continue;
        if (operation.kind === 'membership-add') summary.membersAdded += operation.userExternalIds.length;
        else summary.membersRemoved += operation.userExternalIds.length;
      }
    }
  }
  return [...summaries.values()];
}
