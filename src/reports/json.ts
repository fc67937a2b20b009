import { OPERATION_PHASES, type FieldChange, type Operation, type OperationKind } from '../domain/operations.js';
import type { AccountAccess } from '../domain/organization.js';
import type { PlanAccountSummary, PlanNotice, ReconcilePlan } from '../domain/plan.js';
import { isActionableOperation } from '../reconcile/planner.js';
import { displayEmail, redactEmails } from './email-display.js';
import { planStatus, type PlanStatus } from './exit-codes.js';
import type { EmailDisplay } from './types.js';

/** The version of the `PlanJson` layout; raised on any change that is not a new optional field. */
export const PLAN_JSON_SCHEMA_VERSION = 1;

/** Every operation kind, in the order plans apply them. */
export const OPERATION_KINDS: readonly OperationKind[] = OPERATION_PHASES.flat();

/**
 * A plan as reports show it: counts first, then each operation with its
 * reason, with emails shown per `EmailDisplay` and no full user record.
 * Documented in `docs/plan-schema.md` and `docs/plan.schema.json`.
 */
export interface PlanJson {
  schemaVersion: typeof PLAN_JSON_SCHEMA_VERSION;
  planId: string;
  createdAt: string;
  source: string;
  isSourceComplete: boolean;
  status: PlanStatus;
  emailDisplay: EmailDisplay;
  hold: { reason: string; removalCount: number; managedUserCount: number } | null;
  summary: PlanJsonSummary;
  operations: PlanJsonOperation[];
  /** Users whose group-inherited roles change: who gets what where. Null when the provider has no role extension. */
  accessChanges: PlanJsonAccessChange[] | null;
  notices: PlanNotice[];
}

/** One user's account roles inherited from Ably groups, before and after the plan. */
export interface PlanJsonAccessChange {
  externalId: string;
  /** The email per `EmailDisplay`, or the IdP id when emails are hidden. */
  label: string;
  before: AccountAccess[];
  after: AccountAccess[];
}

export interface PlanJsonSummary {
  operationCount: number;
  /** Operations that change the organization: all but domain checks and report-only role links. */
  actionableCount: number;
  /** Every operation kind, zero included, in apply order. */
  byKind: Record<OperationKind, number>;
  byAccount: PlanAccountSummary[];
  noticeCount: number;
}

/** One operation of a plan, reduced to what a reader needs. */
export interface PlanJsonOperation {
  kind: OperationKind;
  /** 1: create and update, 2: memberships and roles, 3: removals. */
  phase: number;
  actionable: boolean;
  target: { type: 'user' | 'group'; externalId: string; label: string };
  /** One line for people, such as `Deactivate a***@example.com`. */
  summary: string;
  reason: { rule: string; detail: string; groups: string[]; changes: FieldChange[] };
  active?: boolean;
  mode?: 'deactivate' | 'delete';
  memberExternalIds?: string[];
  accountAccess?: AccountAccess[];
  reportOnly?: boolean;
  registeredDomain?: string;
}

/** Fields whose values are emails, so changes to them are shown per `EmailDisplay`. */
const EMAIL_FIELDS = new Set(['userName', 'email']);

/** Converts a plan to the documented report JSON. */
export function toPlanJson(plan: ReconcilePlan, options: { emails: EmailDisplay }): PlanJson {
  const mode = options.emails;
  const operations = plan.operations.map((operation) => toOperationJson(operation, mode));
  const byKind = Object.fromEntries(OPERATION_KINDS.map((kind) => [kind, plan.counts[kind] ?? 0])) as Record<OperationKind, number>;
  return {
    schemaVersion: PLAN_JSON_SCHEMA_VERSION,
    planId: plan.id,
    createdAt: plan.createdAt,
    source: plan.source,
    isSourceComplete: plan.isSourceComplete,
    status: planStatus(plan),
    emailDisplay: mode,
    hold: plan.hold ? { reason: plan.hold.reason, removalCount: plan.hold.removalCount, managedUserCount: plan.hold.managedUserCount } : null,
    summary: {
      operationCount: plan.operations.length,
      actionableCount: plan.operations.filter(isActionableOperation).length,
      byKind,
      byAccount: (plan.accounts ?? []).map((account) => ({ ...account })),
      noticeCount: plan.notices.length,
    },
    operations,
    accessChanges:
      plan.accessChanges?.map((change) => ({
        externalId: change.externalId,
        label: mode === 'hidden' ? change.externalId : displayEmail(change.userName, mode),
        before: copyAccess(change.before),
        after: copyAccess(change.after),
      })) ?? null,
    notices: plan.notices.map((notice) => ({ kind: notice.kind, subject: redactEmails(notice.subject, mode), detail: redactEmails(notice.detail, mode) })),
  };
}

function toOperationJson(operation: Operation, mode: EmailDisplay): PlanJsonOperation {
  const base = {
    kind: operation.kind,
    phase: OPERATION_PHASES.findIndex((phase) => phase.includes(operation.kind)) + 1,
    actionable: isActionableOperation(operation),
    reason: {
      rule: operation.reason.rule,
      detail: redactEmails(operation.reason.detail, mode),
      groups: [...(operation.reason.groups ?? [])],
      changes: (operation.reason.changes ?? []).map((change) => displayChange(change, mode)),
    },
  };
  const userLabel = (externalId: string, email: string) => (mode === 'hidden' ? externalId : displayEmail(email, mode));

  switch (operation.kind) {
    case 'provision': {
      const label = userLabel(operation.user.externalId, operation.user.userName);
      const verb = operation.reason.rule === 'adopt-existing' ? 'Adopt' : 'Provision';
      return { ...base, target: { type: 'user', externalId: operation.user.externalId, label }, summary: `${verb} ${label}`, active: operation.user.active };
    }
    case 'user-update': {
      const label = userLabel(operation.user.externalId, operation.user.userName);
      const fields = (operation.reason.changes ?? []).map((change) => change.field).join(', ');
      return { ...base, target: { type: 'user', externalId: operation.user.externalId, label }, summary: `Update ${label}: ${fields}`, active: operation.user.active };
    }
    case 'deprovision': {
      const label = userLabel(operation.externalId, operation.userName);
      const verb = operation.mode === 'delete' ? 'Delete' : 'Deactivate';
      return { ...base, target: { type: 'user', externalId: operation.externalId, label }, summary: `${verb} ${label}`, mode: operation.mode };
    }
    case 'domain-check': {
      const label = userLabel(operation.externalId, operation.email);
      return {
        ...base,
        target: { type: 'user', externalId: operation.externalId, label },
        summary: `Reject ${label}: not in ${operation.registeredDomain}`,
        registeredDomain: operation.registeredDomain,
      };
    }
    case 'group-create':
    case 'group-update': {
      let verb = 'Create group';
      if (operation.kind === 'group-update') {
        verb = 'Rename group to';
      } else if (operation.reason.rule === 'adopt-existing') {
        verb = 'Adopt group';
      }
      return { ...base, target: groupTarget(operation.group.externalId, operation.group.displayName), summary: `${verb} ${operation.group.displayName}` };
    }
    case 'group-delete':
      return { ...base, target: groupTarget(operation.externalId, operation.displayName), summary: `Delete group ${operation.displayName}` };
    case 'membership-add':
    case 'membership-remove': {
      const name = groupName(operation);
      const count = operation.userExternalIds.length;
      const summary = operation.kind === 'membership-add' ? `Add ${count} ${plural(count, 'member')} to ${name}` : `Remove ${count} ${plural(count, 'member')} from ${name}`;
      return { ...base, target: groupTarget(operation.groupExternalId, name), summary, memberExternalIds: [...operation.userExternalIds] };
    }
    case 'role-assignment': {
      const name = groupName(operation);
      const links = operation.accountAccess.map((entry) => `${entry.accountId}: ${entry.roles.join(', ')}`).join('; ') || 'no roles';
      const summary = operation.reportOnly ? `Set in the dashboard for ${name}: ${links}` : `Set roles of ${name}: ${links}`;
      return {
        ...base,
        target: groupTarget(operation.groupExternalId, name),
        summary,
        accountAccess: copyAccess(operation.accountAccess),
        reportOnly: operation.reportOnly,
      };
    }
  }
}

function copyAccess(access: readonly AccountAccess[]): AccountAccess[] {
  return access.map((entry) => ({ accountId: entry.accountId, roles: [...entry.roles] }));
}

function groupTarget(externalId: string, label: string): PlanJsonOperation['target'] {
  return { type: 'group', externalId, label };
}

/** Returns the group's IdP name from the reason, or its id when the reason names none. */
function groupName(operation: Operation & { groupExternalId: string }): string {
  return operation.reason.groups?.[0] ?? operation.groupExternalId;
}

function displayChange(change: FieldChange, mode: EmailDisplay): FieldChange {
  if (!EMAIL_FIELDS.has(change.field)) {
    return { field: change.field, from: change.from, to: change.to };
  }
  const show = (value: unknown) => (typeof value === 'string' ? displayEmail(value, mode) : value);
  return { field: change.field, from: show(change.from), to: show(change.to) };
}

function plural(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}
