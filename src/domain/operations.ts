import type { AccountAccess } from './organization.js';

/**
 * Operations of a reconcile plan: a tagged union on `kind`.
 *
 * Operations name users and groups by their IdP id (`externalId`), never by
 * SCIM id, because a plan is made before the objects it creates exist. The
 * operation workers resolve SCIM ids when they run. Every operation is
 * idempotent: applying it twice leaves the same state as applying it once.
 */
export type Operation =
  | ProvisionOperation
  | UserUpdateOperation
  | DeprovisionOperation
  | DomainCheckOperation
  | GroupCreateOperation
  | GroupUpdateOperation
  | GroupDeleteOperation
  | MembershipAddOperation
  | MembershipRemoveOperation
  | RoleAssignmentOperation;

export type OperationKind = Operation['kind'];

/** The attributes the daemon owns on an Ably user. */
export interface DesiredUser {
  externalId: string;
  /** The work email; SCIM `userName` and the primary work `emails` value. */
  userName: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  active: boolean;
}

/** The attributes the daemon owns on an Ably group. */
export interface DesiredGroup {
  externalId: string;
  displayName: string;
  /** `externalId`s of the desired member users. */
  memberExternalIds: string[];
  accountAccess: AccountAccess[];
}

/** Why an operation exists, for reports: the rule, and any field that changed. */
export interface OperationReason {
  /** A short rule name, for example `in-mapped-group` or `idp-suspended`. */
  rule: string;
  /** One sentence for people. */
  detail: string;
  /** The IdP groups behind the operation, by name. */
  groups?: string[];
  changes?: FieldChange[];
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

interface OperationBase {
  reason: OperationReason;
}

/** Creates a user in Ably, or adopts the existing one with the same `userName`. */
export interface ProvisionOperation extends OperationBase {
  kind: 'provision';
  user: DesiredUser;
}

/** Changes attributes of a managed user: renames, names, reactivation. */
export interface UserUpdateOperation extends OperationBase {
  kind: 'user-update';
  user: DesiredUser;
}

/** Removes a managed user's access: deactivates it, or deletes it after the grace period. */
export interface DeprovisionOperation extends OperationBase {
  kind: 'deprovision';
  externalId: string;
  userName: string;
  mode: 'deactivate' | 'delete';
}

/** Records that a user's email is outside the organization's registered domain, so it is not sent to Ably. */
export interface DomainCheckOperation extends OperationBase {
  kind: 'domain-check';
  externalId: string;
  email: string;
  registeredDomain: string;
}

export interface GroupCreateOperation extends OperationBase {
  kind: 'group-create';
  group: Pick<DesiredGroup, 'externalId' | 'displayName'>;
}

export interface GroupUpdateOperation extends OperationBase {
  kind: 'group-update';
  group: Pick<DesiredGroup, 'externalId' | 'displayName'>;
}

export interface GroupDeleteOperation extends OperationBase {
  kind: 'group-delete';
  externalId: string;
  displayName: string;
}

export interface MembershipAddOperation extends OperationBase {
  kind: 'membership-add';
  groupExternalId: string;
  userExternalIds: string[];
}

export interface MembershipRemoveOperation extends OperationBase {
  kind: 'membership-remove';
  groupExternalId: string;
  userExternalIds: string[];
}

/** Sets the full set of account roles a group grants (replace, never append). */
export interface RoleAssignmentOperation extends OperationBase {
  kind: 'role-assignment';
  groupExternalId: string;
  accountAccess: AccountAccess[];
  /** True when the provider has no role extension: the operation verifies and reports instead of writing. */
  reportOnly: boolean;
}

/**
 * The order in which operation kinds are applied. Groups and users must exist
 * before memberships and roles refer to them, and removals come last so a
 * failed earlier phase never leaves a user with less access than intended.
 */
export const OPERATION_PHASES: readonly (readonly OperationKind[])[] = [
  ['domain-check', 'provision', 'user-update', 'group-create', 'group-update'],
  ['membership-add', 'role-assignment'],
  ['membership-remove', 'deprovision', 'group-delete'],
];
