import type { PolicyConfig } from '../config/schema.js';
import type { Operation } from '../domain/operations.js';
import type { PlanHold } from '../domain/plan.js';

/**
 * Counts the removals in a plan: one per deprovision (deactivation or
 * deletion), one per user removed from a group, and one per member of a group
 * whose role link loses a role (`downgradedMemberCount`).
 */
export function countRemovals(operations: readonly Operation[], downgradedMemberCount: number): number {
  let count = downgradedMemberCount;
  for (const operation of operations) {
    if (operation.kind === 'deprovision') {
      count += 1;
    } else if (operation.kind === 'membership-remove') {
      count += operation.userExternalIds.length;
    }
  }
  return count;
}

/**
 * Returns the hold for a plan whose removals exceed `policy.holds`, or
 * undefined when the plan may be applied without approval. The percentage is
 * of the organization's managed users; with none, only `maxRemovals` applies.
 */
export function decideHold(options: {
  removalCount: number;
  managedUserCount: number;
  holds: PolicyConfig['holds'];
}): PlanHold | undefined {
  const { removalCount, managedUserCount, holds } = options;
  if (removalCount > holds.maxRemovals) {
    return {
      reason: `${removalText(removalCount)} ${removalCount === 1 ? 'exceeds' : 'exceed'} policy.holds.maxRemovals (${holds.maxRemovals}).`,
      removalCount,
      managedUserCount,
    };
  }
  if (managedUserCount > 0 && removalCount > 0) {
    const percent = (removalCount / managedUserCount) * 100;
    if (percent > holds.maxRemovalPercent) {
      return {
        reason: `${removalText(removalCount)} ${removalCount === 1 ? 'is' : 'are'} ${formatPercent(percent)}% of ${managedUserCount} managed users, above policy.holds.maxRemovalPercent (${holds.maxRemovalPercent}%).`,
        removalCount,
        managedUserCount,
      };
    }
  }
  return undefined;
}

function removalText(count: number): string {
  return count === 1 ? '1 removal' : `${count} removals`;
}

function formatPercent(percent: number): string {
  return percent >= 10 ? percent.toFixed(0) : percent.toFixed(1);
}
