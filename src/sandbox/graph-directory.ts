import { createHash } from 'node:crypto';
import type { SampleDirectory, SampleStatus } from './sample-directory.js';

/**
 * The local Graph server's tenant: Entra users, groups and memberships built
 * from a `SampleDirectory`, with a version counter so delta queries can return
 * what changed since a token.
 *
 * Mapping from the sample (Okta vocabulary) to Entra:
 * - every id becomes a GUID derived from the sample id (`entraObjectId`);
 * - `userPrincipalName` is the sample login, `mail` the sample email,
 *   `userType` is `Member`;
 * - `accountEnabled` is false for SUSPENDED and true for every other status
 *   (Entra has no staged or locked-out account state), and DEPROVISIONED users
 *   are not in the tenant at all;
 * - extra objects exercise the connector's rules. Three guests are added: one
 *   with `mail`, one with only `otherMails`, one with neither. A member has
 *   no `mail` and a UPN on `onmicrosoft.com`. A nested group sits inside the
 *   second sample group. A device, an organizational contact and a service
 *   principal are members of the first sample group.
 */

/** A Graph `user` with the properties the connector selects. */
export interface GraphUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  otherMails: string[];
  userPrincipalName: string;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
}

/** A member reference as Graph returns it from `/members` and `members@delta`. */
export interface GraphMemberReference {
  '@odata.type': string;
  id: string;
}

/** A Graph `group` with the properties the connector selects. */
export interface GraphGroup {
  id: string;
  displayName: string;
  description: string | null;
}

/** The reason a delta round gives for a removed object: Graph's `@removed.reason`. */
export type RemovedReason = 'changed' | 'deleted';

interface UserRecord {
  user: GraphUser;
  version: number;
  removed?: RemovedReason;
}

interface MemberChange {
  member: GraphMemberReference;
  version: number;
  isRemoved: boolean;
}

interface GroupRecord {
  group: GraphGroup;
  members: GraphMemberReference[];
  version: number;
  memberChanges: MemberChange[];
  removed?: RemovedReason;
}

/** One item of a delta round before paging: an object, or its `@removed` marker. */
export type DeltaItem = Record<string, unknown>;

/** The tenant's primary domain, used for guest UPNs and the unroutable member. */
export const SANDBOX_TENANT_DOMAIN = 'sandbox-tenant.onmicrosoft.com';

export const USER_TYPE = '#microsoft.graph.user';
export const GROUP_TYPE = '#microsoft.graph.group';

/** Derives a stable GUID from any id, so the same sample always gives the same Entra ids. */
export function entraObjectId(sourceId: string): string {
  const hex = createHash('sha256').update(`entra:${sourceId}`).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Ids of the extra objects the tenant adds to the sample, for tests that check the skip rules. */
export const EXTRA_OBJECT_IDS = {
  guestWithMail: entraObjectId('guest-with-mail'),
  guestWithOtherMails: entraObjectId('guest-with-other-mails'),
  guestWithoutEmail: entraObjectId('guest-without-email'),
  memberWithUnroutableUpn: entraObjectId('member-unroutable-upn'),
  nestedGroup: entraObjectId('nested-group'),
  nestedOnlyUser: entraObjectId('nested-only-user'),
  device: entraObjectId('device'),
  orgContact: entraObjectId('org-contact'),
  servicePrincipal: entraObjectId('service-principal'),
} as const;

/** The tenant state behind the local Graph server. */
export class GraphDirectory {
  readonly #users = new Map<string, UserRecord>();
  readonly #groups = new Map<string, GroupRecord>();
  #version = 0;

  constructor(sample: SampleDirectory) {
    for (const sampleUser of sample.users) {
      if (sampleUser.status === 'DEPROVISIONED') {
        continue;
      }
      this.#putUser({
        id: entraObjectId(sampleUser.id),
        displayName: `${sampleUser.firstName} ${sampleUser.lastName}`,
        givenName: sampleUser.firstName,
        surname: sampleUser.lastName,
        mail: sampleUser.email,
        otherMails: [],
        userPrincipalName: sampleUser.login,
        accountEnabled: isEnabled(sampleUser.status),
        userType: 'Member',
      });
    }
    for (const sampleGroup of sample.groups) {
      const members = sampleGroup.memberIds
        .map((memberId) => entraObjectId(memberId))
        .filter((id) => this.#users.has(id))
        .map((id) => ({ '@odata.type': USER_TYPE, id }));
      this.#putGroup({ id: entraObjectId(sampleGroup.id), displayName: sampleGroup.name, description: sampleGroup.description }, members);
    }
    this.#addExtraObjects(sample);
  }

  /** The current version; a delta token issued now covers every change up to it. */
  get version(): number {
    return this.#version;
  }

  /** Live users, in a stable order. */
  listUsers(): GraphUser[] {
    return [...this.#users.values()].filter((record) => !record.removed).map((record) => record.user);
  }

  /** Live groups, in a stable order. */
  listGroups(): GraphGroup[] {
    return [...this.#groups.values()].filter((record) => !record.removed).map((record) => record.group);
  }

  getUser(id: string): GraphUser | undefined {
    const record = this.#users.get(id);
    return record && !record.removed ? record.user : undefined;
  }

  /** Returns the direct members of a live group, or undefined when there is no such group. */
  listMembers(groupId: string): GraphMemberReference[] | undefined {
    const record = this.#groups.get(groupId);
    return record && !record.removed ? [...record.members] : undefined;
  }

  /** Returns the users reachable from a group through nested groups, each once. */
  listTransitiveUsers(groupId: string): GraphUser[] | undefined {
    if (this.listMembers(groupId) === undefined) {
      return undefined;
    }
    const seenGroups = new Set<string>();
    const userIds = new Set<string>();
    const visit = (id: string): void => {
      if (seenGroups.has(id)) {
        return;
      }
      seenGroups.add(id);
      for (const member of this.listMembers(id) ?? []) {
        if (member['@odata.type'] === USER_TYPE) {
          userIds.add(member.id);
        } else if (member['@odata.type'] === GROUP_TYPE) {
          visit(member.id);
        }
      }
    };
    visit(groupId);
    return [...userIds].flatMap((id) => this.getUser(id) ?? []);
  }

  /** Changes user properties; the next delta round returns the user. */
  updateUser(id: string, patch: Partial<Omit<GraphUser, 'id'>>): void {
    const record = this.#liveUser(id);
    this.#putUser({ ...record.user, ...patch });
  }

  /** Changes group properties; the next delta round returns the group. */
  updateGroup(id: string, patch: Partial<Omit<GraphGroup, 'id'>>): void {
    const record = this.#liveGroup(id);
    this.#version += 1;
    record.group = { ...record.group, ...patch };
    record.version = this.#version;
  }

  /** Deletes a group; the next delta round reports it `@removed` with reason `deleted`. */
  deleteGroup(id: string): void {
    const record = this.#liveGroup(id);
    this.#version += 1;
    record.removed = 'deleted';
    record.version = this.#version;
  }

  /** Adds a user, optionally as a member of groups; the next delta round returns it. */
  addUser(user: GraphUser, groupIds: string[] = []): void {
    this.#putUser(user);
    for (const groupId of groupIds) {
      this.addMember(groupId, { '@odata.type': USER_TYPE, id: user.id });
    }
  }

  /** Sets `accountEnabled: false`. */
  disableUser(id: string): void {
    this.updateUser(id, { accountEnabled: false });
  }

  /**
   * Deletes a user. By default a soft delete (the user moves to deleted items
   * and delta reports `reason: changed`); `permanent` reports `reason: deleted`.
   * Memberships go with the user either way, as in Entra.
   */
  deleteUser(id: string, options: { permanent?: boolean } = {}): void {
    const record = this.#liveUser(id);
    this.#version += 1;
    record.removed = options.permanent ? 'deleted' : 'changed';
    record.version = this.#version;
    for (const group of this.#groups.values()) {
      if (group.members.some((member) => member.id === id)) {
        this.removeMember(group.group.id, id);
      }
    }
  }

  addMember(groupId: string, member: GraphMemberReference): void {
    const record = this.#liveGroup(groupId);
    if (record.members.some((existing) => existing.id === member.id)) {
      return;
    }
    this.#version += 1;
    record.members.push(member);
    record.memberChanges.push({ member, version: this.#version, isRemoved: false });
  }

  removeMember(groupId: string, memberId: string): void {
    const record = this.#liveGroup(groupId);
    const member = record.members.find((existing) => existing.id === memberId);
    if (!member) {
      throw new RangeError(`Object ${memberId} is not a member of group ${groupId}.`);
    }
    this.#version += 1;
    record.members = record.members.filter((existing) => existing.id !== memberId);
    record.memberChanges.push({ member, version: this.#version, isRemoved: true });
  }

  /**
   * Returns the user delta items after `sinceVersion`, or every live user when
   * it is undefined (the initial round).
   */
  userDelta(sinceVersion: number | undefined): DeltaItem[] {
    const items: DeltaItem[] = [];
    for (const record of this.#users.values()) {
      if (sinceVersion === undefined) {
        if (!record.removed) items.push({ ...record.user });
      } else if (record.version > sinceVersion) {
        items.push(record.removed ? { id: record.user.id, '@removed': { reason: record.removed } } : { ...record.user });
      }
    }
    return items;
  }

  /**
   * Returns the group delta items after `sinceVersion` (every live group with
   * all members when undefined). A group's `members@delta` is split into
   * chunks of `membersPerItem`, each chunk a separate item carrying the
   * group's properties, the way Graph spreads a large group over pages.
   */
  groupDelta(sinceVersion: number | undefined, membersPerItem: number): DeltaItem[] {
    const items: DeltaItem[] = [];
    for (const record of this.#groups.values()) {
      if (sinceVersion === undefined && record.removed) {
        continue;
      }
      if (sinceVersion !== undefined && record.removed) {
        if (record.version > sinceVersion) {
          items.push({ id: record.group.id, '@removed': { reason: record.removed } });
        }
        continue;
      }
      const memberDelta = sinceVersion === undefined ? [...record.members] : netMemberChanges(record.memberChanges, sinceVersion);
      const isChanged = sinceVersion === undefined || record.version > sinceVersion || memberDelta.length > 0;
      if (!isChanged) {
        continue;
      }
      if (memberDelta.length === 0) {
        items.push({ ...record.group });
        continue;
      }
      for (let start = 0; start < memberDelta.length; start += membersPerItem) {
        items.push({ ...record.group, 'members@delta': memberDelta.slice(start, start + membersPerItem) });
      }
    }
    return items;
  }

  #putUser(user: GraphUser): void {
    this.#version += 1;
    this.#users.set(user.id, { user, version: this.#version });
  }

  #putGroup(group: GraphGroup, members: GraphMemberReference[]): void {
    this.#version += 1;
    this.#groups.set(group.id, { group, members, version: this.#version, memberChanges: [] });
  }

  #liveUser(id: string): UserRecord {
    const record = this.#users.get(id);
    if (!record || record.removed) {
      throw new RangeError(`No user ${id} in the local Graph tenant.`);
    }
    return record;
  }

  #liveGroup(id: string): GroupRecord {
    const record = this.#groups.get(id);
    if (!record || record.removed) {
      throw new RangeError(`No group ${id} in the local Graph tenant.`);
    }
    return record;
  }

  #addExtraObjects(sample: SampleDirectory): void {
    const ids = EXTRA_OBJECT_IDS;
    const guest = (id: string, name: string, mail: string | null, otherMails: string[]): GraphUser => ({
      id,
      displayName: name,
      givenName: name.split(' ')[0] ?? null,
      surname: name.split(' ')[1] ?? null,
      mail,
      otherMails,
      userPrincipalName: `${name.toLowerCase().replace(' ', '.')}_partner.example.org#EXT#@${SANDBOX_TENANT_DOMAIN}`,
      accountEnabled: true,
      userType: 'Guest',
    });
    this.#putUser(guest(ids.guestWithMail, 'Gita Guest', 'gita.guest@partner.example.org', []));
    this.#putUser(guest(ids.guestWithOtherMails, 'Otto Othermail', null, ['otto.othermail@partner.example.org']));
    this.#putUser(guest(ids.guestWithoutEmail, 'Nora Noemail', null, []));
    this.#putUser({
      id: ids.memberWithUnroutableUpn,
      displayName: 'Una Routable',
      givenName: 'Una',
      surname: 'Routable',
      mail: null,
      otherMails: [],
      userPrincipalName: `una.routable@${SANDBOX_TENANT_DOMAIN}`,
      accountEnabled: true,
      userType: 'Member',
    });
    this.#putUser({
      id: ids.nestedOnlyUser,
      displayName: 'Nell Nested',
      givenName: 'Nell',
      surname: 'Nested',
      mail: 'nell.nested@example.com',
      otherMails: [],
      userPrincipalName: 'nell.nested@example.com',
      accountEnabled: true,
      userType: 'Member',
    });

    const firstGroup = sample.groups[0];
    const secondGroup = sample.groups[1];
    if (firstGroup) {
      const groupId = entraObjectId(firstGroup.id);
      for (const id of [ids.guestWithMail, ids.guestWithOtherMails, ids.guestWithoutEmail, ids.memberWithUnroutableUpn]) {
        this.#liveGroup(groupId).members.push({ '@odata.type': USER_TYPE, id });
      }
      this.#liveGroup(groupId).members.push(
        { '@odata.type': '#microsoft.graph.device', id: ids.device },
        { '@odata.type': '#microsoft.graph.orgContact', id: ids.orgContact },
        { '@odata.type': '#microsoft.graph.servicePrincipal', id: ids.servicePrincipal },
      );
    }
    if (secondGroup) {
      this.#putGroup(
        { id: ids.nestedGroup, displayName: `${secondGroup.name} Leads`, description: `Leads of ${secondGroup.name}` },
        [{ '@odata.type': USER_TYPE, id: ids.nestedOnlyUser }],
      );
      this.#liveGroup(entraObjectId(secondGroup.id)).members.push({ '@odata.type': GROUP_TYPE, id: ids.nestedGroup });
    }
  }
}

function isEnabled(status: SampleStatus): boolean {
  return status !== 'SUSPENDED';
}

/** Collapses a group's member history after `sinceVersion` into one entry per member: its last state. */
function netMemberChanges(changes: MemberChange[], sinceVersion: number): DeltaItem[] {
  const last = new Map<string, MemberChange>();
  for (const change of changes) {
    if (change.version > sinceVersion) {
      last.set(change.member.id, change);
    }
  }
  return [...last.values()].map((change) =>
    change.isRemoved ? { ...change.member, '@removed': { reason: 'deleted' } } : { ...change.member },
  );
}
