import type { Config } from '../config/schema.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../domain/directory.js';
import type { DesiredGroup, DesiredUser } from '../domain/operations.js';
import type { AccountAccess } from '../domain/organization.js';
import { compareText, mergeAccountAccess } from './account-access.js';
import { emailDomain, isEmailInRegisteredDomain } from './domain-rule.js';
import { mappingEntriesFor, UserReferenceSet } from './scope.js';

/** The configuration sections the desired state depends on. */
export type DesiredStateConfig = Pick<Config, 'organization' | 'mapping'>;

/** The reason a directory user is not a desired user. */
export type OutOfScopeReason =
  /** Named in `excludeUsers`. */
  | 'excluded'
  /** In no mapped group and not named in `includeUsers`. */
  | 'not-in-mapped-group'
  /** In scope, but the IdP lifecycle is `deprovisioned`. */
  | 'idp-deprovisioned'
  /** In scope, but the IdP lifecycle is `pending`. */
  | 'pending'
  /** In scope, but neither its email nor its login is an email address. */
  | 'no-email'
  /** In scope, but another user with a lower IdP id has the same email. */
  | 'duplicate-email';

/** A directory user that is not desired in Ably, and why. */
export interface OutOfScopeUser {
  externalId: string;
  reason: OutOfScopeReason;
}

/** A user in scope whose email domain Ably would reject. */
export interface DomainRejection {
  externalId: string;
  email: string;
  /** The email's domain, lowercased. */
  domain: string;
  registeredDomain: string;
  /** The mapped IdP groups the user is in, by name. */
  groups: string[];
}

/** The reason a desired user is in scope. */
export interface UserScope {
  /** The mapped IdP groups the user is in, by name, sorted. */
  groups: string[];
  /** True when the user is in scope only through `includeUsers`. */
  isIncludedOnly: boolean;
}

/**
 * The target state of the organization, derived from the directory and the
 * mapping alone. Every map entry is a plain JSON value, so the jobs can store
 * one user or group at a time.
 */
export interface DesiredState {
  /** Desired users by IdP id: in scope, `active` or `suspended`, with an email in the registered domain. */
  users: ReadonlyMap<string, DesiredUser>;
  /** Desired groups by IdP id: one per IdP group that a mapping entry selects. */
  groups: ReadonlyMap<string, DesiredGroup>;
  /** The scope of each desired user, by IdP id. */
  scopes: ReadonlyMap<string, UserScope>;
  /** The roles each desired user ends up with in each account, by IdP id. */
  effectiveRoles: ReadonlyMap<string, AccountAccess[]>;
  /** Users in scope whose email is outside the registered domain, sorted by IdP id. */
  domainRejections: DomainRejection[];
  /** Directory users that are not desired, other than domain rejections, sorted by IdP id. */
  outOfScope: OutOfScopeUser[];
}

/**
 * Builds the desired state of the organization from a directory snapshot.
 *
 * Membership of a mapped group, or an `includeUsers` entry, brings a user into
 * scope; `excludeUsers` takes it out again whatever else applies. A user in
 * scope only through `includeUsers` gets Developer in the primary account,
 * which is what Ably grants to every user it provisions over SCIM.
 */
export function buildDesiredState(directory: DirectorySnapshot, config: DesiredStateConfig): DesiredState {
  const excluded = new UserReferenceSet(config.mapping.excludeUsers);
  const included = new UserReferenceSet(config.mapping.includeUsers);
  const mappedGroups = resolveMappedGroups(directory.groups, config);
  const groupNamesByUser = indexGroupNamesByUser(mappedGroups);

  const users = new Map<string, DesiredUser>();
  const scopes = new Map<string, UserScope>();
  const domainRejections: DomainRejection[] = [];
  const outOfScope: OutOfScopeUser[] = [];
  const externalIdByUserName = new Map<string, string>();

  const seenExternalIds = new Set<string>();

  for (const user of sortByExternalId(directory.users)) {
    // A connector should never return one id twice; if it does, the first record wins.
    if (seenExternalIds.has(user.externalId)) {
      continue;
    }
    seenExternalIds.add(user.externalId);

    const groups = [...(groupNamesByUser.get(user.externalId) ?? [])].sort(compareText);
    const reason = scopeRejection(user, groups, { excluded, included });
    if (reason !== undefined) {
      outOfScope.push({ externalId: user.externalId, reason });
      continue;
    }

    const userName = workEmail(user);
    if (userName === undefined) {
      outOfScope.push({ externalId: user.externalId, reason: 'no-email' });
      continue;
    }
    if (!isEmailInRegisteredDomain(userName, config.organization)) {
      domainRejections.push({
        externalId: user.externalId,
        email: userName,
        domain: emailDomain(userName) ?? '',
        registeredDomain: config.organization.domain,
        groups,
      });
      continue;
    }

    // Ably's userName is unique case-insensitively, so only one IdP user may hold each email.
    const userNameKey = userName.toLowerCase();
    if (externalIdByUserName.has(userNameKey)) {
      outOfScope.push({ externalId: user.externalId, reason: 'duplicate-email' });
      continue;
    }
    externalIdByUserName.set(userNameKey, user.externalId);

    users.set(user.externalId, toDesiredUser(user, userName));
    scopes.set(user.externalId, { groups, isIncludedOnly: groups.length === 0 });
  }

  const groups = buildDesiredGroups(mappedGroups, users);
  const effectiveRoles = computeEffectiveRoles(users, groups, config.organization.primaryAccount);
  return { users, groups, scopes, effectiveRoles, domainRejections, outOfScope };
}

interface MappedGroup {
  group: DirectoryGroup;
  accountAccess: AccountAccess[];
}

function resolveMappedGroups(groups: readonly DirectoryGroup[], config: DesiredStateConfig): MappedGroup[] {
  const mapped: MappedGroup[] = [];
  for (const group of [...groups].sort((left, right) => compareText(left.externalId, right.externalId))) {
    const entries = mappingEntriesFor(config.mapping, group);
    if (entries.length === 0) {
      continue;
    }
    const grants = entries.flatMap((entry) => entry.accounts.map((grant) => ({ accountId: grant.account, roles: grant.roles })));
    mapped.push({ group, accountAccess: mergeAccountAccess(grants) });
  }
  return mapped;
}

function indexGroupNamesByUser(mappedGroups: readonly MappedGroup[]): Map<string, Set<string>> {
  const namesByUser = new Map<string, Set<string>>();
  for (const { group } of mappedGroups) {
    for (const memberId of group.memberIds) {
      const names = namesByUser.get(memberId) ?? new Set<string>();
      names.add(group.name);
      namesByUser.set(memberId, names);
    }
  }
  return namesByUser;
}

function scopeRejection(
  user: DirectoryUser,
  groups: readonly string[],
  lists: { excluded: UserReferenceSet; included: UserReferenceSet },
): OutOfScopeReason | undefined {
  if (lists.excluded.has(user)) {
    return 'excluded';
  }
  if (groups.length === 0 && !lists.included.has(user)) {
    return 'not-in-mapped-group';
  }
  if (user.lifecycle === 'deprovisioned') {
    return 'idp-deprovisioned';
  }
  if (user.lifecycle === 'pending') {
    return 'pending';
  }
  return undefined;
}

/** Returns the address that becomes the SCIM `userName`: the email, or the login when the IdP has no email but the login is one. */
function workEmail(user: DirectoryUser): string | undefined {
  const candidate = user.email ?? user.login;
  return emailDomain(candidate) === undefined ? undefined : candidate;
}

function toDesiredUser(user: DirectoryUser, userName: string): DesiredUser {
  const desired: DesiredUser = { externalId: user.externalId, userName, active: user.lifecycle === 'active' };
  if (user.givenName) desired.givenName = user.givenName;
  if (user.familyName) desired.familyName = user.familyName;
  if (user.displayName) desired.displayName = user.displayName;
  return desired;
}

function buildDesiredGroups(mappedGroups: readonly MappedGroup[], users: ReadonlyMap<string, DesiredUser>): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const { group, accountAccess } of mappedGroups) {
    const memberExternalIds = [...new Set(group.memberIds)].filter((id) => users.has(id)).sort(compareText);
    groups.set(group.externalId, {
      externalId: group.externalId,
      displayName: group.name,
      memberExternalIds,
      accountAccess,
    });
  }
  return groups;
}

function computeEffectiveRoles(
  users: ReadonlyMap<string, DesiredUser>,
  groups: ReadonlyMap<string, DesiredGroup>,
  primaryAccount: string,
): Map<string, AccountAccess[]> {
  const grantsByUser = new Map<string, AccountAccess[]>();
  for (const group of groups.values()) {
    for (const memberId of group.memberExternalIds) {
      const grants = grantsByUser.get(memberId) ?? [];
      grants.push(...group.accountAccess);
      grantsByUser.set(memberId, grants);
    }
  }

  const effectiveRoles = new Map<string, AccountAccess[]>();
  for (const externalId of users.keys()) {
    const grants = grantsByUser.get(externalId) ?? [];
    // A user with no group grant still lands in the primary account as Developer when Ably provisions it.
    const access = grants.length > 0 ? mergeAccountAccess(grants) : [{ accountId: primaryAccount, roles: ['Developer' as const] }];
    effectiveRoles.set(externalId, access);
  }
  return effectiveRoles;
}

function sortByExternalId(users: readonly DirectoryUser[]): DirectoryUser[] {
  return [...users].sort((left, right) => compareText(left.externalId, right.externalId));
}
