import type { ReconcilePlan } from '../domain/plan.js';
import { isActionableOperation } from '../reconcile/planner.js';

/**
 * Process exit codes of the `plan` command, for scripts and CI.
 *
 * - `noChanges` (0): nothing to change in the organization. Domain checks and
 *   report-only role links may still be listed, because the daemon cannot act on them.
 * - `error` (1): the plan could not be made (configuration, IdP or SCIM
 *   failure), or the IdP read was incomplete, so the printed plan withholds removals.
 * - `changesPending` (2): the plan changes the organization and may be applied.
 * - `held` (3): the plan changes the organization but exceeds `policy.holds`,
 *   so it waits for an operator to approve its id.
 */
export const PLAN_EXIT_CODES = {
  noChanges: 0,
  error: 1,
  changesPending: 2,
  held: 3,
} as const;

export type PlanExitCode = (typeof PLAN_EXIT_CODES)[keyof typeof PLAN_EXIT_CODES];

/** The state of a plan, in the terms of the exit codes. */
export type PlanStatus = 'no-changes' | 'changes-pending' | 'held';

/** Returns whether a plan changes anything and whether it waits for approval. */
export function planStatus(plan: ReconcilePlan): PlanStatus {
  if (!plan.operations.some(isActionableOperation)) {
    return 'no-changes';
  }
  return plan.hold === undefined ? 'changes-pending' : 'held';
}

/**
 * Returns the exit code for a plan. A plan from an incomplete IdP read is an
 * error, even though it is printed: it may miss users that exist, so a script
 * must not read its "no changes" as a healthy state.
 */
export function planExitCode(plan: ReconcilePlan): PlanExitCode {
  if (!plan.isSourceComplete) return PLAN_EXIT_CODES.error;
  const status = planStatus(plan);
  if (status === 'no-changes') return PLAN_EXIT_CODES.noChanges;
  return status === 'held' ? PLAN_EXIT_CODES.held : PLAN_EXIT_CODES.changesPending;
}
