import { expect } from 'vitest';
import type { OrganizationView } from '../../src/emulator/index.js';
import { USER_TYPE, type GraphDirectory } from '../../src/sandbox/graph-directory.js';
import type { SampleDirectory, SampleStatus } from '../../src/sandbox/sample-directory.js';

/**
 * The organization the sample mapping requires, derived by hand from the IdP's
 * current state rather than by the planner, and a check that the emulator
 * contains exactly that. config/sample.yaml and config/sample-entra.yaml share
 * the mapping written out in `EXPECTED_LINKS`.
 */

/** The sample mapping, written out: group name → account → roles. */
export const EXPECTED_LINKS: Record<string, Record<string, string[]>> = {
  Engineering: { 'acc-prod': ['Developer'], 'acc-staging': ['Admin'], 'acc-dev': ['Admin'] },
  Platform: { 'acc-prod': ['Admin'] },
  SRE: { 'acc-prod': ['Admin'], 'acc-staging': ['Admin'] },
  Data: { 'acc-dev': ['Developer'] },
  Finance: { 'acc-prod': ['Billing'] },
  Support: { 'acc-prod': ['Developer'] },
  Security: { 'acc-prod': ['Developer'] },
  Mobile: { 'acc-staging': ['Developer'] },
};

/** What the emulator must hold after a converged sync. */
export interface ExpectedOrganization {
  /** IdP id → lowercased email of every user that must be active in Ably. */
  activeUsers: Map<string, string>;
  /** Every mapped group: IdP id → its name and its direct user members in the IdP. */
  groups: Map<string, { name: string; memberIds: string[] }>;
}

const OKTA_ACTIVE_STATUSES = new Set<SampleStatus>(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY']);

export function isRegisteredDomain(email: string): boolean {
  return email.toLowerCase().split('@')[1] === 'example.com';
}

/** Okta: members of a mapped group, in an active status, with an email in the registered domain. */
export function expectedFromOkta(directory: SampleDirectory): ExpectedOrganization {
  const groups = new Map(
    directory.groups.filter((group) => group.name in EXPECTED_LINKS).map((group) => [group.id, { name: group.name, memberIds: [...group.memberIds] }]),
  );
  const mapped = new Set([...groups.values()].flatMap((group) => group.memberIds));
  const activeUsers = new Map<string, string>();
  for (const user of directory.users) {
    if (mapped.has(user.id) && OKTA_ACTIVE_STATUSES.has(user.status) && isRegisteredDomain(user.email)) {
      activeUsers.set(user.id, user.email.toLowerCase());
    }
  }
  return { activeUsers, groups };
}

/**
 * Entra: direct user members of a mapped group (nested groups are skipped)
 * that are enabled, not guests, and have a usable email in the registered
 * domain. The email is `mail`, else the first `otherMails` entry, else a UPN
 * that can receive mail, which rules out `#EXT#` and `onmicrosoft.com` UPNs.
 */
export function expectedFromGraph(tenant: GraphDirectory): ExpectedOrganization {
  const groups = new Map<string, { name: string; memberIds: string[] }>();
  for (const group of tenant.listGroups()) {
    const name = Object.keys(EXPECTED_LINKS).find((candidate) => candidate.toLowerCase() === group.displayName.toLowerCase());
    if (name === undefined) continue;
    const members = tenant.listMembers(group.id) ?? [];
    groups.set(group.id, { name, memberIds: members.filter((member) => member['@odata.type'] === USER_TYPE).map((member) => member.id) });
  }

  const mapped = new Set([...groups.values()].flatMap((group) => group.memberIds));
  const activeUsers = new Map<string, string>();
  for (const user of tenant.listUsers()) {
    const isGuest = user.userType === 'Guest' || user.userPrincipalName.includes('#EXT#');
    const isRoutableUpn = user.userPrincipalName.includes('@') && !user.userPrincipalName.includes('#EXT#') && !/onmicrosoft\.com$/i.test(user.userPrincipalName);
    const email = user.mail ?? user.otherMails[0] ?? (isRoutableUpn ? user.userPrincipalName : undefined);
    if (mapped.has(user.id) && user.accountEnabled && !isGuest && email !== undefined && isRegisteredDomain(email)) {
      activeUsers.set(user.id, email.toLowerCase());
    }
  }
  return { activeUsers, groups };
}

/**
 * Checks that the emulator contains exactly `expected`. That is the active
 * users with their emails, no user outside the registered domain, and the
 * mapped groups with their role links. A group's members are its IdP members
 * that are active in Ably or kept there deactivated.
 */
export function expectConverged(organization: OrganizationView, expected: ExpectedOrganization): void {
  const byExternalId = new Map(organization.users.map((user) => [user.externalId, user]));

  const active = organization.users.filter((user) => user.active);
  expect(new Set(active.map((user) => user.externalId))).toEqual(new Set(expected.activeUsers.keys()));
  for (const [externalId, email] of expected.activeUsers) {
    expect(byExternalId.get(externalId)?.userName.toLowerCase()).toBe(email);
  }
  for (const user of organization.users) {
    expect(isRegisteredDomain(user.userName), `${user.userName} must be in the registered domain`).toBe(true);
  }

  const externalIdByScimId = new Map(organization.users.map((user) => [user.id, user.externalId]));
  expect(organization.groups.map((group) => group.externalId).sort()).toEqual([...expected.groups.keys()].sort());
  for (const group of organization.groups) {
    const source = expected.groups.get(group.externalId ?? '');
    expect(group.displayName.toLowerCase()).toBe(source?.name.toLowerCase());
    const wanted = (source?.memberIds ?? []).filter((id) => expected.activeUsers.has(id) || byExternalId.get(id)?.active === false);
    expect(new Set(group.memberIds.map((id) => externalIdByScimId.get(id)))).toEqual(new Set(wanted));

    const links = Object.fromEntries(group.accounts.map((link) => [link.value, [...link.roles].sort()]));
    expect(links).toEqual(EXPECTED_LINKS[source?.name ?? '']);
  }
}

/** Returns the IdP ids of `expected` users who belong to the mapped group `groupName` and to no other mapped group. */
export function usersOnlyIn(expected: ExpectedOrganization, groupName: string): string[] {
  const entries = [...expected.groups.values()];
  const target = entries.find((group) => group.name === groupName);
  if (!target) throw new Error(`No mapped group named ${groupName} in the expected organization.`);
  return target.memberIds.filter(
    (id) => expected.activeUsers.has(id) && !entries.some((group) => group !== target && group.memberIds.includes(id)),
  );
}
