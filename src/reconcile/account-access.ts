import { ACCOUNT_ROLES, type AccountAccess, type AccountRole } from '../domain/organization.js';

/**
 * Merges account grants into one list: one entry per account, the union of
 * its roles, accounts sorted by id and roles in `ACCOUNT_ROLES` order.
 * Accounts left without a role are dropped, and so is any role outside
 * `ACCOUNT_ROLES` (such as Owner), which this tool never grants.
 */
export function mergeAccountAccess(grants: Iterable<{ accountId: string; roles: readonly string[] }>): AccountAccess[] {
  const rolesByAccount = new Map<string, Set<AccountRole>>();
  for (const grant of grants) {
    const roles = rolesByAccount.get(grant.accountId) ?? new Set<AccountRole>();
    for (const role of grant.roles) {
      if (isAccountRole(role)) {
        roles.add(role);
      }
    }
    rolesByAccount.set(grant.accountId, roles);
  }

  return [...rolesByAccount.entries()]
    .filter(([, roles]) => roles.size > 0)
    .sort(([left], [right]) => compareText(left, right))
    .map(([accountId, roles]) => ({ accountId, roles: ACCOUNT_ROLES.filter((role) => roles.has(role)) }));
}

/** Returns true when both lists grant the same roles in the same accounts, in any order. */
export function isSameAccountAccess(left: readonly AccountAccess[], right: readonly AccountAccess[]): boolean {
  return accessKey(mergeAccountAccess(left)) === accessKey(mergeAccountAccess(right));
}

/** Returns the account-role pairs that `before` grants and `after` does not, as `accountId/Role`. */
export function removedRoles(before: readonly AccountAccess[], after: readonly AccountAccess[]): string[] {
  const kept = new Set(rolePairs(after));
  return rolePairs(before).filter((pair) => !kept.has(pair));
}

/** Returns true when `role` is a role this tool may grant. */
export function isAccountRole(role: string): role is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(role);
}

/** Compares two strings by UTF-16 code units, so sorting never depends on the locale. */
export function compareText(left: string, right: string): number {
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}

function rolePairs(access: readonly AccountAccess[]): string[] {
  return mergeAccountAccess(access).flatMap((entry) => entry.roles.map((role) => `${entry.accountId}/${role}`));
}

function accessKey(access: readonly AccountAccess[]): string {
  return rolePairs(access).join(',');
}
