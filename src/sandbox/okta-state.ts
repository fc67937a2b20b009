import { randomUUID } from 'node:crypto';
import type { SampleDirectory, SampleGroup, SampleStatus, SampleUser } from './sample-directory.js';
import {
  groupTarget,
  userTarget,
  type OktaGroupRecord,
  type OktaLogRecord,
  type OktaLogTarget,
  type OktaUserRecord,
} from './okta-wire.js';

/**
 * The local Okta server's data, and the changes tests and the demo make to
 * it. Every mutation bumps `lastUpdated` and writes the System Log events
 * Okta writes for the same change, so incremental reads see it both ways.
 * Mutations also update the `SampleDirectory` passed in, in place, so a test
 * can derive its expectations from the directory's current state.
 */
export class OktaState {
  /** Users by id. */
  readonly users = new Map<string, OktaUserRecord>();
  /** Groups by id. */
  readonly groups = new Map<string, OktaGroupRecord>();
  /** Member user ids by group id, in the order they were added. */
  readonly members = new Map<string, string[]>();
  /** The System Log, oldest first. */
  readonly events: OktaLogRecord[] = [];
  /**
   * Raw user bodies served as they are, after the regular users of
   * `GET /api/v1/users`, so tests can feed the connector invalid data.
   */
  readonly rawUsers: Record<string, unknown>[] = [];
  readonly #clock: () => Date;
  readonly #directory: SampleDirectory;

  constructor(directory: SampleDirectory, clock: () => Date) {
    this.#clock = clock;
    this.#directory = directory;
    for (const user of directory.users) {
      this.users.set(user.id, userRecordFrom(user));
    }
    for (const group of directory.groups) {
      this.groups.set(group.id, {
        id: group.id,
        type: 'OKTA_GROUP',
        created: group.lastUpdated,
        lastUpdated: group.lastUpdated,
        lastMembershipUpdated: group.lastUpdated,
        profile: { name: group.name, description: group.description },
      });
      this.members.set(group.id, [...group.memberIds]);
    }
  }

  /** Changes a user's profile or status, writing the matching lifecycle events. */
  updateUser(id: string, changes: Partial<Pick<SampleUser, 'email' | 'login' | 'firstName' | 'lastName' | 'status'>>): void {
    const user = this.#requireUser(id);
    const now = this.#now();
    const { status, ...profileChanges } = changes;

    if (Object.keys(profileChanges).length > 0) {
      Object.assign(user.profile, profileChanges);
      this.#log('user.account.update_profile', 'Update user profile for Okta', [userTarget(user)], now);
    }
    if (status !== undefined && status !== user.status) {
      const eventType = lifecycleEventType(user.status, status);
      user.status = status;
      user.statusChanged = now;
      if (status === 'ACTIVE' && user.activated === null) {
        user.activated = now;
      }
      this.#log(eventType, `Change Okta user status to ${status}`, [userTarget(user)], now);
    }
    user.lastUpdated = now;

    const sample = this.#directory.users.find((candidate) => candidate.id === id);
    if (sample) {
      Object.assign(sample, changes, { lastUpdated: now });
    }
  }

  /** Creates a user, as `POST /api/v1/users` would, with its creation and activation events. */
  addUser(sample: SampleUser): void {
    if (this.users.has(sample.id)) {
      throw new Error(`User ${sample.id} already exists in the local Okta server.`);
    }
    const now = this.#now();
    const user = userRecordFrom({ ...sample, lastUpdated: now });
    user.created = now;
    this.users.set(user.id, user);
    this.#directory.users.push({ ...sample, lastUpdated: now });
    this.#log('user.lifecycle.create', 'Create Okta user', [userTarget(user)], now);
    if (user.status === 'ACTIVE') {
      this.#log('user.lifecycle.activate', 'Activate Okta user', [userTarget(user)], now);
    }
  }

  /**
   * Deletes a user the way Okta does: an active user is first deactivated
   * (DEPROVISIONED), then deleted, which also ends its group memberships.
   */
  deleteUser(id: string): void {
    const user = this.#requireUser(id);
    if (user.status !== 'DEPROVISIONED') {
      this.updateUser(id, { status: 'DEPROVISIONED' });
    }
    const now = this.#now();
    for (const [groupId, memberIds] of this.members) {
      const index = memberIds.indexOf(id);
      if (index !== -1) {
        memberIds.splice(index, 1);
        this.#requireGroup(groupId).lastMembershipUpdated = now;
      }
    }
    this.users.delete(id);
    this.#directory.users = this.#directory.users.filter((candidate) => candidate.id !== id);
    for (const group of this.#directory.groups) {
      group.memberIds = group.memberIds.filter((memberId) => memberId !== id);
    }
    this.#log('user.lifecycle.delete.initiated', 'Delete Okta user', [userTarget(user)], now);
  }

  /** Adds `userId` to `groupId`; a no-op when it is already a member, as in Okta. */
  addMember(groupId: string, userId: string): void {
    const group = this.#requireGroup(groupId);
    const user = this.#requireUser(userId);
    const memberIds = this.members.get(groupId) ?? [];
    if (memberIds.includes(userId)) {
      return;
    }
    memberIds.push(userId);
    this.members.set(groupId, memberIds);
    this.#sampleGroup(groupId)?.memberIds.push(userId);
    const now = this.#now();
    group.lastMembershipUpdated = now;
    this.#log('group.user_membership.add', 'Add user to group membership', [userTarget(user), groupTarget(group)], now);
  }

  /** Removes `userId` from `groupId`; a no-op when it is not a member. */
  removeMember(groupId: string, userId: string): void {
    const group = this.#requireGroup(groupId);
    const user = this.#requireUser(userId);
    const memberIds = this.members.get(groupId) ?? [];
    const index = memberIds.indexOf(userId);
    if (index === -1) {
      return;
    }
    memberIds.splice(index, 1);
    const sample = this.#sampleGroup(groupId);
    if (sample) {
      sample.memberIds = sample.memberIds.filter((memberId) => memberId !== userId);
    }
    const now = this.#now();
    group.lastMembershipUpdated = now;
    this.#log('group.user_membership.remove', 'Remove user from group membership', [userTarget(user), groupTarget(group)], now);
  }

  /** Creates an Okta group with no members. */
  addGroup(group: { id: string; name: string; description?: string; type?: OktaGroupRecord['type'] }): void {
    if (this.groups.has(group.id)) {
      throw new Error(`Group ${group.id} already exists in the local Okta server.`);
    }
    const now = this.#now();
    const record: OktaGroupRecord = {
      id: group.id,
      type: group.type ?? 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: group.name, description: group.description ?? '' },
    };
    this.groups.set(record.id, record);
    this.members.set(record.id, []);
    this.#directory.groups.push({ id: record.id, name: group.name, description: record.profile.description, memberIds: [], lastUpdated: now });
    this.#log('group.lifecycle.create', 'Create Okta group', [groupTarget(record)], now);
  }

  /** Renames a group. */
  renameGroup(id: string, name: string): void {
    const group = this.#requireGroup(id);
    const now = this.#now();
    group.profile.name = name;
    group.lastUpdated = now;
    const sample = this.#sampleGroup(id);
    if (sample) {
      sample.name = name;
      sample.lastUpdated = now;
    }
    this.#log('group.profile.update', 'Update group profile', [groupTarget(group)], now);
  }

  /** Deletes a group and its memberships. */
  deleteGroup(id: string): void {
    const group = this.#requireGroup(id);
    this.groups.delete(id);
    this.members.delete(id);
    this.#directory.groups = this.#directory.groups.filter((candidate) => candidate.id !== id);
    this.#log('group.lifecycle.delete', 'Delete Okta group', [groupTarget(group)], this.#now());
  }

  #log(eventType: string, displayMessage: string, targets: OktaLogTarget[], published: string): void {
    this.events.push({ uuid: randomUUID(), sequence: this.events.length + 1, published, eventType, displayMessage, targets });
  }

  #sampleGroup(id: string): SampleGroup | undefined {
    return this.#directory.groups.find((candidate) => candidate.id === id);
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  #requireUser(id: string): OktaUserRecord {
    const user = this.users.get(id);
    if (!user) {
      throw new Error(`User ${id} not found in the local Okta server.`);
    }
    return user;
  }

  #requireGroup(id: string): OktaGroupRecord {
    const group = this.groups.get(id);
    if (!group) {
      throw new Error(`Group ${id} not found in the local Okta server.`);
    }
    return group;
  }
}

function userRecordFrom(user: SampleUser): OktaUserRecord {
  const isActivated = !['STAGED', 'PROVISIONED'].includes(user.status);
  return {
    id: user.id,
    status: user.status,
    created: user.lastUpdated,
    activated: isActivated ? user.lastUpdated : null,
    statusChanged: user.lastUpdated,
    lastUpdated: user.lastUpdated,
    passwordChanged: isActivated ? user.lastUpdated : null,
    profile: { login: user.login, email: user.email, firstName: user.firstName, lastName: user.lastName },
  };
}

/** Picks the System Log event type Okta writes for a status change. */
function lifecycleEventType(from: string, to: SampleStatus): string {
  if (to === 'SUSPENDED') return 'user.lifecycle.suspend';
  if (from === 'SUSPENDED' && to === 'ACTIVE') return 'user.lifecycle.unsuspend';
  if (to === 'DEPROVISIONED') return 'user.lifecycle.deactivate';
  if (from === 'DEPROVISIONED') return 'user.lifecycle.reactivate';
  if (to === 'ACTIVE') return 'user.lifecycle.activate';
  if (to === 'LOCKED_OUT') return 'user.account.lock';
  return 'user.account.update_profile';
}
