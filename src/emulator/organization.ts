import { isPlainObject } from './attribute-path.js';
import { badRequest, ScimError } from './errors.js';
import type { CanonicalResource } from './resource-validation.js';
import { LINKABLE_ROLES } from './schemas.js';
import type { AccountRoleName, ResourceStore, StoredResource } from './store.js';

/**
 * The Ably organization rules on top of SCIM: the registered email domain,
 * case-insensitive uniqueness, the primary account that new users join as
 * Developer, group→account role links, and each user's effective roles.
 */

/** An Ably account of the organization. */
export interface EmulatorAccount {
  id: string;
  name: string;
}

/** The organization-level settings the rules read. */
export interface OrganizationSettings {
  domain: string;
  allowSubdomains: boolean;
  accounts: EmulatorAccount[];
  primaryAccount: string;
  /** The group extension URN, or undefined when the extension is switched off. */
  roleExtensionUrn: string | undefined;
}

/** One user's roles in one account. */
export interface AccountRoles {
  direct: AccountRoleName[];
  inherited: AccountRoleName[];
  effective: AccountRoleName[];
}

/** The organization as `GET /admin/api/organization` returns it. */
export interface OrganizationView {
  domain: string;
  accounts: { id: string; name: string; isPrimary: boolean }[];
  users: {
    id: string;
    userName: string;
    externalId: string | undefined;
    active: boolean;
    /** The user's roles in each account where it has at least one, by account id. */
    roles: Record<string, AccountRoles>;
  }[];
  groups: {
    id: string;
    displayName: string;
    externalId: string | undefined;
    memberIds: string[];
    accounts: { value: string; display: string; roles: AccountRoleName[] }[];
  }[];
}

const ROLE_ORDER: AccountRoleName[] = ['Owner', 'Admin', 'Billing', 'Developer'];

/** Returns true when `email` has exactly one `@` and its domain is the registered one (or a subdomain, when allowed). */
export function isInRegisteredDomain(email: string, settings: Pick<OrganizationSettings, 'domain' | 'allowSubdomains'>): boolean {
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1) {
    return false;
  }
  const host = email.slice(at + 1).toLowerCase();
  const domain = settings.domain.toLowerCase();
  return host === domain || (settings.allowSubdomains && host.endsWith(`.${domain}`));
}

/**
 * Applies the User rules to a validated body: `userName` and every
 * `emails[].value` in the registered domain (400 `invalidValue`), and
 * `userName` unique case-insensitively (409 `uniqueness`).
 */
export function checkUserRules(settings: OrganizationSettings, store: ResourceStore, candidate: CanonicalResource, ownId: string | undefined): void {
  const userName = candidate.data.userName as string;
  if (!isInRegisteredDomain(userName, settings)) {
    throw badRequest('invalidValue', `userName "${userName}" is not an email address in the registered domain ${settings.domain}`);
  }
  const emails = Array.isArray(candidate.data.emails) ? candidate.data.emails : [];
  for (const email of emails) {
    const value = isPlainObject(email) ? email.value : undefined;
    if (typeof value !== 'string' || !isInRegisteredDomain(value, settings)) {
      throw badRequest('invalidValue', `emails value ${JSON.stringify(value ?? null)} is not an email address in the registered domain ${settings.domain}`);
    }
  }

  const holderId = store.idByUniqueName('User', userName);
  if (holderId !== undefined && holderId !== ownId) {
    throw new ScimError(409, `userName "${userName}" is already taken by user ${holderId}`, { scimType: 'uniqueness' });
  }
}

/**
 * Applies the Group rules to a validated body and reduces it to what is
 * stored: `displayName` unique case-insensitively (409 `uniqueness`),
 * members that are existing users (groups do not nest), and account links
 * that name known accounts with Developer, Billing or Admin, never Owner.
 */
export function checkGroupRules(settings: OrganizationSettings, store: ResourceStore, candidate: CanonicalResource, ownId: string | undefined): void {
  const displayName = candidate.data.displayName as string;
  const holderId = store.idByUniqueName('Group', displayName);
  if (holderId !== undefined && holderId !== ownId) {
    throw new ScimError(409, `displayName "${displayName}" is already taken by group ${holderId}`, { scimType: 'uniqueness' });
  }

  const members = Array.isArray(candidate.data.members) ? candidate.data.members : [];
  const memberIds: string[] = [];
  for (const member of members) {
    const record = isPlainObject(member) ? member : {};
    if (typeof record.value !== 'string') {
      throw badRequest('invalidValue', 'Every members entry needs a "value" with the member user\'s id');
    }
    if (record.type !== undefined && record.type !== 'User') {
      throw badRequest('invalidValue', `members type "${String(record.type)}" is not supported; only users can be group members`);
    }
    if (!store.users.has(record.value)) {
      throw badRequest('invalidValue', `members value "${record.value}" is not the id of an existing user`);
    }
    if (!memberIds.includes(record.value)) {
      memberIds.push(record.value);
    }
  }
  if (memberIds.length > 0) {
    candidate.data.members = memberIds.map((value) => ({ value }));
  } else {
    delete candidate.data.members;
  }

  if (settings.roleExtensionUrn) {
    checkAccountLinks(settings, candidate, settings.roleExtensionUrn);
  }
}

function checkAccountLinks(settings: OrganizationSettings, candidate: CanonicalResource, urn: string): void {
  const block = candidate.data[urn];
  if (!isPlainObject(block) || !Array.isArray(block.accounts)) {
    return;
  }
  const seen = new Set<string>();
  const links = block.accounts.map((entry) => {
    const link = isPlainObject(entry) ? entry : {};
    const accountId = link.value;
    if (typeof accountId !== 'string' || !settings.accounts.some((account) => account.id === accountId)) {
      throw badRequest('invalidValue', `accounts value ${JSON.stringify(accountId ?? null)} is not an account of this organization; known accounts: ${settings.accounts.map((account) => account.id).join(', ')}`);
    }
    if (seen.has(accountId)) {
      throw badRequest('invalidValue', `account ${accountId} is linked twice; send one entry per account`);
    }
    seen.add(accountId);
    const roles = Array.isArray(link.roles) ? link.roles : [];
    if (roles.includes('Owner')) {
      throw badRequest('invalidValue', `Owner cannot be granted through a group (account ${accountId}); each account has exactly one Owner, assigned in the dashboard`);
    }
    const unknown = roles.filter((role) => !(LINKABLE_ROLES as readonly unknown[]).includes(role));
    if (unknown.length > 0 || roles.length === 0) {
      throw badRequest('invalidValue', `account ${accountId} needs roles from ${LINKABLE_ROLES.join(', ')}; got ${JSON.stringify(roles)}`);
    }
    return { value: accountId, roles: [...new Set(roles as string[])] };
  });
  candidate.data[urn] = { accounts: links };
}

/** Returns the direct roles a new SCIM user gets: Developer in the primary account. */
export function initialDirectRoles(settings: OrganizationSettings): Record<string, AccountRoleName[]> {
  return { [settings.primaryAccount]: ['Developer'] };
}

/** Returns each group's account links, as stored. */
export function accountLinksOf(group: StoredResource, urn: string | undefined): { value: string; roles: AccountRoleName[] }[] {
  if (!urn) return [];
  const block = group.data[urn];
  if (!isPlainObject(block) || !Array.isArray(block.accounts)) return [];
  return block.accounts.filter(isPlainObject).map((link) => ({ value: String(link.value), roles: (link.roles ?? []) as AccountRoleName[] }));
}

/** Returns the member user ids of a stored group. */
export function memberIdsOf(group: StoredResource): string[] {
  const members = group.data.members;
  return Array.isArray(members) ? members.filter(isPlainObject).map((member) => String(member.value)) : [];
}

/** Computes a user's direct, inherited and effective roles in every account where it has at least one. */
export function rolesOf(settings: OrganizationSettings, store: ResourceStore, user: StoredResource): Record<string, AccountRoles> {
  const result: Record<string, AccountRoles> = {};
  const groups = store.groupIdsOf(user.id).flatMap((groupId) => store.groups.get(groupId) ?? []);
  for (const account of settings.accounts) {
    const direct = user.directRoles?.[account.id] ?? [];
    const inherited = new Set<AccountRoleName>();
    for (const group of groups) {
      for (const link of accountLinksOf(group, settings.roleExtensionUrn)) {
        if (link.value === account.id) link.roles.forEach((role) => inherited.add(role));
      }
    }
    const effective = new Set<AccountRoleName>([...direct, ...inherited]);
    if (effective.size > 0) {
      result[account.id] = { direct: sortRoles(direct), inherited: sortRoles([...inherited]), effective: sortRoles([...effective]) };
    }
  }
  return result;
}

function sortRoles(roles: AccountRoleName[]): AccountRoleName[] {
  return [...new Set(roles)].sort((left, right) => ROLE_ORDER.indexOf(left) - ROLE_ORDER.indexOf(right));
}

/** Builds the organization view of the admin API and page. */
export function organizationView(settings: OrganizationSettings, store: ResourceStore): OrganizationView {
  const accountName = new Map(settings.accounts.map((account) => [account.id, account.name]));
  return {
    domain: settings.domain,
    accounts: settings.accounts.map((account) => ({ id: account.id, name: account.name, isPrimary: account.id === settings.primaryAccount })),
    users: [...store.users.values()].map((user) => ({
      id: user.id,
      userName: String(user.data.userName),
      externalId: typeof user.data.externalId === 'string' ? user.data.externalId : undefined,
      active: user.data.active !== false,
      roles: rolesOf(settings, store, user),
    })),
    groups: [...store.groups.values()].map((group) => ({
      id: group.id,
      displayName: String(group.data.displayName),
      externalId: typeof group.data.externalId === 'string' ? group.data.externalId : undefined,
      memberIds: memberIdsOf(group),
      accounts: accountLinksOf(group, settings.roleExtensionUrn).map((link) => ({ value: link.value, display: accountName.get(link.value) ?? link.value, roles: link.roles })),
    })),
  };
}
