import type { Operation, OperationKind } from './operations.js';
import type { AccountAccess } from './organization.js';

/** A user or group the planner saw but will not touch, and why. */
export interface PlanNotice {
  kind: 'unmanaged-user' | 'unmanaged-group' | 'skipped-idp-object' | 'removals-withheld' | 'report-only-role';
  subject: string;
  detail: string;
}

/** The reason a plan waits for an operator's approval, with the counts behind it. */
export interface PlanHold {
  reason: string;
  /** Removals counted against the thresholds: deprovisions, membership removals, role downgrades. */
  removalCount: number;
  managedUserCount: number;
}

/** The output of the planner: what to change, and what it noticed. */
export interface ReconcilePlan {
  /** A content hash of the operations, stable across runs that plan the same changes. */
  id: string;
  createdAt: string;
  source: string;
  /** False when the IdP read was incomplete, so removals were withheld. */
  isSourceComplete: boolean;
  operations: Operation[];
  notices: PlanNotice[];
  /** Set when the plan needs approval before it is applied. */
  hold?: PlanHold;
  counts: Partial<Record<OperationKind, number>>;
  /** The plan's changes per configured Ably account, in configuration order. */
  accounts?: PlanAccountSummary[];
  /** Users whose group-inherited roles change, sorted by IdP id; absent when the provider has no role extension. */
  accessChanges?: PlanAccessChange[];
}

/** One user's account roles inherited from Ably groups, before and after the plan. */
export interface PlanAccessChange {
  externalId: string;
  /** The Ably userName (an email); reports show it per `policy.reportEmails`. */
  userName: string;
  before: AccountAccess[];
  after: AccountAccess[];
}

/** A plan's changes in one Ably account, for the reports. */
export interface PlanAccountSummary {
  accountId: string;
  accountName: string;
  /** Groups whose role links in this account the plan sets, or lists for the dashboard when report-only. */
  roleAssignmentCount: number;
  /** Users the plan adds to groups that grant roles in this account. */
  membersAdded: number;
  /** Users the plan removes from groups that grant roles in this account. */
  membersRemoved: number;
}
