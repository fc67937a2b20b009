import type { DirectoryChange, DirectoryGroup, DirectoryUser, SkippedObject, UserLifecycle } from '../../domain/directory.js';

/**
 * Okta wire objects (as the SDK deserializes them) to domain types. Every
 * function takes `unknown`, because an org can hold data that breaks the
 * published schema; such objects become `SkippedObject`s, never exceptions.
 */

export type MapResult<T> = { ok: true; value: T } | { ok: false; skipped: SkippedObject };

export interface StatusPolicyOptions {
  /** Treat STAGED and PROVISIONED users (created, never activated) as active. */
  provisionPendingUsers: boolean;
}

/**
 * Applies the status policy: which Okta user `status` gives which lifecycle.
 *
 * - ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT, RECOVERY → `active`. The user still
 *   exists and may sign in once the password or lock is dealt with, so access
 *   is kept.
 * - SUSPENDED → `suspended`: an admin paused the account; it keeps its Ably
 *   user, deactivated.
 * - DEPROVISIONED → `deprovisioned`: Okta's deactivated state.
 * - STAGED, PROVISIONED → `pending`, or `active` when `provisionPendingUsers`
 *   is set: the account exists but the person has not activated it yet.
 *
 * Returns undefined for a status Okta does not document, so the caller skips
 * the user instead of guessing.
 */
export function lifecycleForStatus(status: string, options: StatusPolicyOptions): UserLifecycle | undefined {
  switch (status) {
    case 'ACTIVE':
    case 'PASSWORD_EXPIRED':
    case 'LOCKED_OUT':
    case 'RECOVERY':
      return 'active';
    case 'SUSPENDED':
      return 'suspended';
    case 'DEPROVISIONED':
      return 'deprovisioned';
    case 'STAGED':
    case 'PROVISIONED':
      return options.provisionPendingUsers ? 'active' : 'pending';
    default:
      return undefined;
  }
}

/**
 * Group types the connector reads. `OKTA_GROUP` is mastered in Okta and
 * `APP_GROUP` is imported from a directory such as Active Directory; both are
 * what admins map to teams. `BUILT_IN` (Everyone, Okta Administrators) is left
 * out: Everyone contains every user and would cost a full member listing.
 */
export const OKTA_GROUP_TYPES = ['OKTA_GROUP', 'APP_GROUP'] as const;

/** A loose email check: one `@`, no spaces, a dot in the domain. Case is kept as given. */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Maps an Okta user to a `DirectoryUser`, or skips it with a reason that names the bad value. */
export function mapUser(raw: unknown, options: StatusPolicyOptions): MapResult<DirectoryUser> {
  const record = asRecord(raw);
  const id = record?.id;
  if (!record || typeof id !== 'string' || id === '') {
    return skip('user', undefined, `Okta user has no string id (id is ${show(record?.id)})`);
  }
  const status = record.status;
  if (typeof status !== 'string') {
    return skip('user', id, `Okta user ${id} has a status of type ${typeName(status)}, expected a string`);
  }
  const lifecycle = lifecycleForStatus(status, options);
  if (lifecycle === undefined) {
    return skip('user', id, `Okta user ${id} has the unknown status ${show(status)}`);
  }

  const profile = asRecord(record.profile);
  if (!profile) {
    return skip('user', id, `Okta user ${id} has no profile object (profile is ${show(record.profile)})`);
  }
  const login = profile.login;
  if (typeof login !== 'string' || login === '') {
    return skip('user', id, `Okta user ${id} has no string profile.login (login is ${show(login)})`);
  }

  const names: Partial<Record<'firstName' | 'lastName' | 'displayName', string>> = {};
  for (const field of ['firstName', 'lastName', 'displayName'] as const) {
    const value = profile[field];
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (typeof value !== 'string') {
      return skip('user', id, `Okta user ${id} has a profile.${field} of type ${typeName(value)}, expected a string`);
    }
    names[field] = value;
  }

  const email = usableEmail(profile.email, login);
  if (email === undefined) {
    return skip(
      'user',
      id,
      `Okta user ${id} has no usable email: profile.email is ${show(profile.email)} and profile.login ${show(login)} is not an email address`,
    );
  }

  const user: DirectoryUser = { externalId: id, login, email, lifecycle, sourceStatus: status };
  if (names.firstName !== undefined) user.givenName = names.firstName;
  if (names.lastName !== undefined) user.familyName = names.lastName;
  if (names.displayName !== undefined) user.displayName = names.displayName;
  return { ok: true, value: user };
}

/** Maps an Okta group to a `DirectoryGroup` without members, or skips it. */
export function mapGroup(raw: unknown): MapResult<Omit<DirectoryGroup, 'memberIds'> & { type: string }> {
  const record = asRecord(raw);
  const id = record?.id;
  if (!record || typeof id !== 'string' || id === '') {
    return skip('group', undefined, `Okta group has no string id (id is ${show(record?.id)})`);
  }
  const name = asRecord(record.profile)?.name;
  if (typeof name !== 'string' || name === '') {
    return skip('group', id, `Okta group ${id} has no string profile.name (name is ${show(name)})`);
  }
  const type = record.type;
  if (typeof type !== 'string') {
    return skip('group', id, `Okta group ${id} has a type of type ${typeName(type)}, expected a string`);
  }
  return { ok: true, value: { externalId: id, name, type } };
}

/** Returns true for the group types in `OKTA_GROUP_TYPES`. */
export function isGroupTypeInScope(type: string): boolean {
  return (OKTA_GROUP_TYPES as readonly string[]).includes(type);
}

/** Reads the id of a group member, or skips it. */
export function mapMemberId(raw: unknown, groupId: string): MapResult<string> {
  const id = asRecord(raw)?.id;
  if (typeof id !== 'string' || id === '') {
    return skip('member', undefined, `A member of Okta group ${groupId} has no string id (id is ${show(id)})`);
  }
  return { ok: true, value: id };
}

/**
 * System Log event types the incremental read requests. User creations and
 * profile or status changes are found through `lastUpdated` instead, and
 * group creations and renames through the group's `lastUpdated`.
 */
export const LOG_EVENT_TYPES = [
  'user.lifecycle.delete.initiated',
  'user.lifecycle.delete.completed',
  'group.user_membership.add',
  'group.user_membership.remove',
  'group.lifecycle.delete',
] as const;

/** A System Log event reduced to what the connector needs. */
export interface MappedLogEvent {
  uuid: string;
  published: Date;
  changes: DirectoryChange[];
}

/**
 * Maps one System Log event to directory changes. Events with a failed
 * outcome change nothing. Membership events name the user and the group in
 * `target`, with types `User` and `UserGroup`.
 */
export function mapLogEvent(raw: unknown): MapResult<MappedLogEvent> {
  const record = asRecord(raw);
  const uuid = record?.uuid;
  if (!record || typeof uuid !== 'string' || uuid === '') {
    return skip('member', undefined, `System Log event has no string uuid (uuid is ${show(record?.uuid)})`);
  }
  const published = record.published instanceof Date ? record.published : new Date(String(record.published));
  if (Number.isNaN(published.getTime())) {
    return skip('member', undefined, `System Log event ${uuid} has an invalid published time ${show(record.published)}`);
  }
  const eventType = record.eventType;
  const result = asRecord(record.outcome)?.result;
  if (result !== undefined && result !== null && result !== 'SUCCESS') {
    return { ok: true, value: { uuid, published, changes: [] } };
  }

  const targets = Array.isArray(record.target) ? record.target.map(asRecord) : [];
  const targetId = (type: string): string | undefined => {
    const id = targets.find((target) => target?.type === type)?.id;
    return typeof id === 'string' && id !== '' ? id : undefined;
  };
  const userId = targetId('User');
  const groupId = targetId('UserGroup');
  const missing = (what: string): MapResult<MappedLogEvent> =>
    skip('member', undefined, `System Log event ${uuid} (${String(eventType)}) has no ${what} target`);

  let changes: DirectoryChange[];
  switch (eventType) {
    case 'user.lifecycle.delete.initiated':
    case 'user.lifecycle.delete.completed':
      if (userId === undefined) return missing('User');
      changes = [{ type: 'user-removed', externalId: userId, reason: 'deleted' }];
      break;
    case 'group.user_membership.add':
    case 'group.user_membership.remove':
      if (userId === undefined) return missing('User');
      if (groupId === undefined) return missing('UserGroup');
      changes = [
        {
          type: eventType === 'group.user_membership.add' ? 'member-added' : 'member-removed',
          groupExternalId: groupId,
          userExternalId: userId,
        },
      ];
      break;
    case 'group.lifecycle.delete':
      if (groupId === undefined) return missing('UserGroup');
      changes = [{ type: 'group-removed', externalId: groupId }];
      break;
    default:
      changes = [];
  }
  return { ok: true, value: { uuid, published, changes } };
}

function usableEmail(email: unknown, login: string): string | undefined {
  if (typeof email === 'string' && EMAIL_PATTERN.test(email)) {
    return email;
  }
  return EMAIL_PATTERN.test(login) ? login : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function skip<T>(kind: SkippedObject['kind'], id: string | undefined, reason: string): MapResult<T> {
  return { ok: false, skipped: id === undefined ? { kind, reason } : { kind, id, reason } };
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Shows a value in a reason: JSON for short values, the type for long ones. */
function show(value: unknown): string {
  if (value === undefined) {
    return 'missing';
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `a ${typeName(value)} of ${text.length} characters`;
}
