import type { DirectoryUser, SkippedObject } from '../../domain/directory.js';

/** User properties the connector selects; nothing else is read. */
export const USER_SELECT = ['id', 'displayName', 'givenName', 'surname', 'mail', 'otherMails', 'userPrincipalName', 'accountEnabled', 'userType'];

/** Group properties the connector selects. */
export const GROUP_SELECT = ['id', 'displayName'];

export const GRAPH_USER_TYPE = '#microsoft.graph.user';
export const GRAPH_GROUP_TYPE = '#microsoft.graph.group';

/** The part of the connector's settings that decides how users map. */
export interface UserMappingPolicy {
  includeGuests: boolean;
}

/** A user mapped, or the reason it was left out. */
export type UserMapping = { kind: 'user'; user: DirectoryUser } | { kind: 'skipped'; skipped: SkippedObject };

/** A Graph user as the connector reads it; every property may be missing or null. */
export interface GraphUserWire {
  id: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  otherMails?: string[] | null;
  userPrincipalName?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
}

/** A member of a group as `/members` and `members@delta` return it. */
export interface GraphMemberWire {
  id: string;
  '@odata.type'?: string;
  '@removed'?: { reason?: string };
}

/**
 * Maps a Graph user to a `DirectoryUser`, or skips it.
 *
 * Guests (`userType: Guest`, or an `#EXT#` UPN, which Entra gives invited
 * users) are skipped unless `includeGuests`. The email is `mail`, else the
 * first `otherMails` entry, else the UPN when it is routable: it has an `@`,
 * no `#EXT#`, and is not on an `onmicrosoft.com` domain, which receives no
 * external mail. A user with none of these is skipped, because Ably's SCIM
 * `userName` is the email. `accountEnabled: false` maps to `suspended`.
 */
export function mapUser(wire: GraphUserWire, policy: UserMappingPolicy): UserMapping {
  const upn = wire.userPrincipalName ?? '';
  const isGuest = wire.userType === 'Guest' || upn.includes('#EXT#');
  if (isGuest && !policy.includeGuests) {
    return skip(wire.id, 'guest user; includeGuests is false');
  }

  const email = chooseEmail(wire);
  if (email === undefined) {
    return skip(wire.id, 'no usable email: no mail, no otherMails, and the userPrincipalName is not routable');
  }

  const user: DirectoryUser = {
    externalId: wire.id,
    login: upn === '' ? email : upn,
    email,
    lifecycle: wire.accountEnabled === false ? 'suspended' : 'active',
    sourceStatus: wire.accountEnabled === false ? 'accountEnabled=false' : 'accountEnabled=true',
  };
  if (wire.givenName) user.givenName = wire.givenName;
  if (wire.surname) user.familyName = wire.surname;
  if (wire.displayName) user.displayName = wire.displayName;
  return { kind: 'user', user };
}

/** Picks the email per the rules on `mapUser`; undefined when none is usable. */
export function chooseEmail(wire: GraphUserWire): string | undefined {
  if (wire.mail) {
    return wire.mail;
  }
  const other = wire.otherMails?.find((address) => address.trim() !== '');
  if (other !== undefined) {
    return other;
  }
  const upn = wire.userPrincipalName ?? '';
  return isRoutableUpn(upn) ? upn : undefined;
}

/** Returns true when mail sent to `upn` could reach a mailbox. */
export function isRoutableUpn(upn: string): boolean {
  const at = upn.lastIndexOf('@');
  if (at <= 0 || upn.includes('#EXT#')) {
    return false;
  }
  const domain = upn.slice(at + 1).toLowerCase();
  return domain !== 'onmicrosoft.com' && !domain.endsWith('.onmicrosoft.com');
}

/** Returns the reason to skip a non-user member, or undefined for a user member. */
export function nonUserMemberReason(member: GraphMemberWire): string | undefined {
  const type = member['@odata.type'];
  if (type === GRAPH_USER_TYPE) {
    return undefined;
  }
  const kind = type === undefined ? 'untyped object' : type.replace('#microsoft.graph.', '');
  return `member is a ${kind}, not a user`;
}

/** Reads a Graph user object from an untyped collection item; undefined when it has no id. */
export function asUserWire(item: unknown): GraphUserWire | undefined {
  return isObjectWithId(item) ? (item as GraphUserWire) : undefined;
}

/** Reads a member reference from an untyped collection item; undefined when it has no id. */
export function asMemberWire(item: unknown): GraphMemberWire | undefined {
  return isObjectWithId(item) ? (item as GraphMemberWire) : undefined;
}

function isObjectWithId(item: unknown): item is { id: string } {
  return typeof item === 'object' && item !== null && 'id' in item && typeof item.id === 'string';
}

function skip(id: string, reason: string): UserMapping {
  return { kind: 'skipped', skipped: { kind: 'user', id, reason } };
}
