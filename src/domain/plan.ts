import type { Operation, OperationKind } from './operations.js';

/** A user or group the planner saw but will not touch, and why. */
export interface PlanNotice {
  kind: 'unmanaged-user' | 'unmanaged-group' | 'skipped-idp-object' | 'removals-withheld' | 'report-only-role';
  subject: string;
  detail: string;
}

/** Why a plan is not applied without an operator's approval. */
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
}
