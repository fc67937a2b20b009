import type { DesiredUser, Operation } from '../../src/domain/operations.js';
import type { OrganizationGroup, OrganizationSnapshot, OrganizationUser } from '../../src/domain/organization.js';
import type { ReconcilePlan } from '../../src/domain/plan.js';
import { compareText } from '../../src/reconcile/account-access.js';

/** The result of applying a plan in memory. */
export interface AppliedPlan {
  organization: OrganizationSnapshot;
  /** The deactivation times after the plan: earlier ones kept, `now` for each user the plan deactivated. */
  deactivatedAt: Map<string, string>;
}

/**
 * Applies a plan to a copy of an organization snapshot the way the SCIM
 * operation workers do. Objects are found by `externalId`. A provision or
 * group create adopts an object without one by `userName` or `displayName`.
 * A report-only role assignment writes nothing. Throws when an operation
 * names a missing object or a create would break `userName` uniqueness,
 * because a correct plan never does either.
 */
export function applyPlan(
  plan: ReconcilePlan,
  organization: OrganizationSnapshot,
  options: { now: Date; deactivatedAt?: ReadonlyMap<string, string> },
): AppliedPlan {
  const state = new InMemoryOrganization(organization);
  const deactivatedAt = new Map(options.deactivatedAt ?? []);
  for (const operation of plan.operations) {
    state.apply(operation, { deactivatedAt, now: options.now });
  }
  return { organization: state.snapshot(), deactivatedAt };
}

class InMemoryOrganization {
  private readonly users: OrganizationUser[];
  private readonly groups: OrganizationGroup[];
  private nextId = 0;

  constructor(private readonly original: OrganizationSnapshot) {
    this.users = original.users.map((user) => ({ ...user }));
    this.groups = original.groups.map((group) => ({
      ...group,
      memberIds: [...group.memberIds],
      accountAccess: group.accountAccess.map((entry) => ({ ...entry, roles: [...entry.roles] })),
    }));
  }

  snapshot(): OrganizationSnapshot {
    return { ...this.original, users: this.users, groups: this.groups };
  }

  apply(operation: Operation, context: { deactivatedAt: Map<string, string>; now: Date }): void {
    switch (operation.kind) {
      case 'domain-check':
        return;
      case 'provision': {
        const user = this.findUser(operation.user.externalId) ?? this.adoptUser(operation.user.userName) ?? this.createUser(operation.user.userName);
        Object.assign(user, toOrganizationFields(operation.user));
        return;
      }
      case 'user-update': {
        const user = this.requireUser(operation.user.externalId);
        if (user.active && !operation.user.active) {
          context.deactivatedAt.set(operation.user.externalId, context.now.toISOString());
        }
        this.assertUserNameFree(operation.user.userName, user);
        Object.assign(user, toOrganizationFields(operation.user));
        return;
      }
      case 'deprovision': {
        const user = this.requireUser(operation.externalId);
        if (operation.mode === 'deactivate') {
          user.active = false;
          context.deactivatedAt.set(operation.externalId, context.now.toISOString());
          return;
        }
        this.users.splice(this.users.indexOf(user), 1);
        for (const group of this.groups) {
          group.memberIds = group.memberIds.filter((id) => id !== user.id);
        }
        context.deactivatedAt.delete(operation.externalId);
        return;
      }
      case 'group-create': {
        const existing = this.findGroup(operation.group.externalId) ?? this.adoptGroup(operation.group.displayName);
        const group = existing ?? this.createGroup();
        group.externalId = operation.group.externalId;
        group.displayName = operation.group.displayName;
        return;
      }
      case 'group-update':
        this.requireGroup(operation.group.externalId).displayName = operation.group.displayName;
        return;
      case 'group-delete': {
        const group = this.requireGroup(operation.externalId);
        this.groups.splice(this.groups.indexOf(group), 1);
        return;
      }
      case 'membership-add': {
        const group = this.requireGroup(operation.groupExternalId);
        for (const externalId of operation.userExternalIds) {
          const user = this.requireUser(externalId);
          if (!group.memberIds.includes(user.id)) group.memberIds.push(user.id);
        }
        return;
      }
      case 'membership-remove': {
        const group = this.requireGroup(operation.groupExternalId);
        const removed = new Set(operation.userExternalIds.map((externalId) => this.requireUser(externalId).id));
        group.memberIds = group.memberIds.filter((id) => !removed.has(id));
        return;
      }
      case 'role-assignment':
        if (!operation.reportOnly) {
          this.requireGroup(operation.groupExternalId).accountAccess = operation.accountAccess.map((entry) => ({ ...entry, roles: [...entry.roles] }));
        }
        return;
    }
  }

  private findUser(externalId: string): OrganizationUser | undefined {
    return this.users.find((user) => user.externalId === externalId);
  }

  private requireUser(externalId: string): OrganizationUser {
    const user = this.findUser(externalId);
    if (user === undefined) throw new Error(`No organization user has externalId ${externalId}`);
    return user;
  }

  private adoptUser(userName: string): OrganizationUser | undefined {
    return this.sortedById(this.users).find((user) => !user.externalId && user.userName.toLowerCase() === userName.toLowerCase());
  }

  private createUser(userName: string): OrganizationUser {
    this.assertUserNameFree(userName, undefined);
    const user: OrganizationUser = { id: this.newId('user'), userName, active: true };
    this.users.push(user);
    return user;
  }

  private assertUserNameFree(userName: string, owner: OrganizationUser | undefined): void {
    const holder = this.users.find((user) => user !== owner && user.userName.toLowerCase() === userName.toLowerCase());
    if (holder !== undefined) throw new Error(`userName ${userName} is already taken by ${holder.id}`);
  }

  private findGroup(externalId: string): OrganizationGroup | undefined {
    return this.groups.find((group) => group.externalId === externalId);
  }

  private requireGroup(externalId: string): OrganizationGroup {
    const group = this.findGroup(externalId);
    if (group === undefined) throw new Error(`No organization group has externalId ${externalId}`);
    return group;
  }

  private adoptGroup(displayName: string): OrganizationGroup | undefined {
    return this.sortedById(this.groups).find((group) => !group.externalId && group.displayName.toLowerCase() === displayName.toLowerCase());
  }

  private createGroup(): OrganizationGroup {
    const group: OrganizationGroup = { id: this.newId('group'), displayName: '', memberIds: [], accountAccess: [] };
    this.groups.push(group);
    return group;
  }

  /** Returns a SCIM id no user or group has, also across several plans applied in turn. */
  private newId(prefix: string): string {
    const taken = new Set([...this.users, ...this.groups].map((item) => item.id));
    let id = '';
    do {
      this.nextId += 1;
      id = `${prefix}-applied-${this.nextId}`;
    } while (taken.has(id));
    return id;
  }

  private sortedById<T extends { id: string }>(items: readonly T[]): T[] {
    return [...items].sort((left, right) => compareText(left.id, right.id));
  }
}

function toOrganizationFields(user: DesiredUser): Partial<OrganizationUser> {
  return {
    externalId: user.externalId,
    userName: user.userName,
    email: user.userName,
    givenName: user.givenName,
    familyName: user.familyName,
    displayName: user.displayName,
    active: user.active,
  };
}
