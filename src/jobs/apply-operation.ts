import type { OrganizationClient } from '../ably/organization-client.js';
import type {
  DeprovisionOperation,
  DesiredUser,
  GroupCreateOperation,
  MembershipAddOperation,
  MembershipRemoveOperation,
  Operation,
  RoleAssignmentOperation,
} from '../domain/operations.js';
import type { AccountAccess, OrganizationGroup, OrganizationUser } from '../domain/organization.js';
import { ConflictError, InvalidObjectError, NotFoundError, TransientError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import type { OperationOutcome, StateStore } from './state-store.js';

/** The clients, stores and settings that applying one operation uses. */
export interface ApplyContext {
  client: OrganizationClient;
  state: StateStore;
  logger: Logger;
  adoptExisting: boolean;
  now: () => Date;
}

export type ApplyResult = Omit<OperationOutcome, 'finishedAt'>;

/**
 * Applies one operation against the current desired state, not the state the
 * plan saw. A job that waited while a newer plan changed its user applies the
 * newer intent, and a job whose change is no longer desired does nothing.
 * Each branch reads before it writes, so a second run writes nothing.
 */
export async function applyOperation(operation: Operation, context: ApplyContext): Promise<ApplyResult> {
  switch (operation.kind) {
    case 'provision':
    case 'user-update':
      return applyUser(operation.user.externalId, context);
    case 'deprovision':
      return applyDeprovision(operation, context);
    case 'domain-check':
      // The user is never sent to Ably; the operation exists to record the rejection.
      return { result: 'skipped', detail: `email domain is not ${operation.registeredDomain}`, writes: 0 };
    case 'group-create':
    case 'group-update':
      return applyGroup(operation, context);
    case 'group-delete':
      return applyGroupDelete(operation.externalId, context);
    case 'membership-add':
      return applyMembershipAdd(operation, context);
    case 'membership-remove':
      return applyMembershipRemove(operation, context);
    case 'role-assignment':
      return applyRoleAssignment(operation, context);
  }
}

async function applyUser(externalId: string, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredUser(externalId);
  if (!desired) {
    return { result: 'skipped', detail: 'the user is no longer in the desired state', writes: 0 };
  }

  const existing = await context.client.findUserByExternalId(externalId);
  if (existing) {
    try {
      return await updateIfChanged(existing, desired, context);
    } catch (error) {
      // Deleted by hand between the lookup and the update: create it again, as for a user never found.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return createUser(desired, context);
}

async function createUser(desired: DesiredUser, context: ApplyContext): Promise<ApplyResult> {
  if (!desired.active) {
    // The planner never creates a suspended user, so a queued job must not either, even when the user was deleted by hand.
    return { result: 'skipped', detail: 'the user is suspended and has no Ably user, so none is created', writes: 0 };
  }
  try {
    await context.client.createUser(desired);
    return { result: 'applied', detail: 'created', writes: 1 };
  } catch (error) {
    if (!(error instanceof ConflictError)) {
      throw error;
    }
    return adoptUser(desired, context);
  }
}

async function adoptUser(desired: DesiredUser, context: ApplyContext): Promise<ApplyResult> {
  const holder = await context.client.findUserByUserName(desired.userName);
  if (!holder) {
    // The conflict came from a user that is gone now; the next run creates it.
    throw new TransientError(`userName ${desired.userName} conflicted, but no Ably user has it now; retrying.`);
  }
  if (holder.externalId !== undefined && holder.externalId !== desired.externalId) {
    throw new InvalidObjectError(
      `userName ${desired.userName} belongs to an Ably user managed for another IdP id (${holder.externalId}). Resolve the duplicate in the IdP.`,
    );
  }
  if (holder.externalId === undefined && !context.adoptExisting) {
    throw new InvalidObjectError(
      `userName ${desired.userName} belongs to an Ably user this daemon did not create. Set policy.adoptExisting to true to take it over, or remove it in Ably.`,
    );
  }
  await context.client.updateUser(holder.id, desired);
  return { result: 'applied', detail: 'adopted the existing user', writes: 1 };
}

async function updateIfChanged(existing: OrganizationUser, desired: DesiredUser, context: ApplyContext): Promise<ApplyResult> {
  if (userMatches(existing, desired)) {
    return { result: 'unchanged', writes: 0 };
  }
  await context.client.updateUser(existing.id, desired);
  if (desired.active) {
    await context.state.clearDeactivation(desired.externalId);
  } else if (existing.active) {
    await context.state.recordDeactivation(desired.externalId, context.now());
  }
  return { result: 'applied', detail: 'updated', writes: 1 };
}

/** Compares the attributes the daemon owns; emails compare case-insensitively. */
export function userMatches(existing: OrganizationUser, desired: DesiredUser): boolean {
  return (
    existing.userName.toLowerCase() === desired.userName.toLowerCase() &&
    (existing.email ?? existing.userName).toLowerCase() === desired.userName.toLowerCase() &&
    existing.active === desired.active &&
    existing.externalId === desired.externalId &&
    (existing.givenName ?? '') === (desired.givenName ?? '') &&
    (existing.familyName ?? '') === (desired.familyName ?? '') &&
    (existing.displayName ?? '') === (desired.displayName ?? '')
  );
}

async function applyDeprovision(operation: DeprovisionOperation, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredUser(operation.externalId);
  if (desired?.active) {
    return { result: 'skipped', detail: 'the user is active again in the desired state', writes: 0 };
  }
  if (desired && operation.mode === 'delete') {
    // Back in the IdP, if only suspended: the planner never deletes a desired user, so a queued delete must not either.
    return { result: 'skipped', detail: 'the user is in the desired state again', writes: 0 };
  }
  const existing = await context.client.findUserByExternalId(operation.externalId);
  if (!existing) {
    await context.state.clearDeactivation(operation.externalId);
    return { result: 'unchanged', detail: 'already gone', writes: 0 };
  }

  if (operation.mode === 'delete') {
    try {
      await context.client.deleteUser(existing.id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    await context.state.clearDeactivation(operation.externalId);
    return { result: 'applied', detail: 'deleted', writes: 1 };
  }

  if (!existing.active) {
    await context.state.recordDeactivation(operation.externalId, context.now());
    return { result: 'unchanged', detail: 'already inactive', writes: 0 };
  }
  try {
    await context.client.setUserActive(existing.id, false);
  } catch (error) {
    // Deleted by hand between the lookup and the update: nothing is left to deactivate.
    if (!(error instanceof NotFoundError)) throw error;
    await context.state.clearDeactivation(operation.externalId);
    return { result: 'unchanged', detail: 'already gone', writes: 1 };
  }
  await context.state.recordDeactivation(operation.externalId, context.now());
  return { result: 'applied', detail: 'deactivated', writes: 1 };
}

async function applyGroup(operation: GroupCreateOperation | { kind: 'group-update'; group: GroupCreateOperation['group'] }, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredGroup(operation.group.externalId);
  if (!desired) {
    return { result: 'skipped', detail: 'the group is no longer in the desired state', writes: 0 };
  }
  const wanted = { externalId: desired.externalId, displayName: desired.displayName };

  const existing = await context.client.findGroupByExternalId(desired.externalId);
  if (existing) {
    if (existing.displayName === desired.displayName) {
      return { result: 'unchanged', writes: 0 };
    }
    await context.client.updateGroup(existing.id, wanted);
    return { result: 'applied', detail: 'renamed', writes: 1 };
  }

  try {
    await context.client.createGroup(wanted);
    return { result: 'applied', detail: 'created', writes: 1 };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }

  const holder = await context.client.findGroupByDisplayName(desired.displayName);
  if (!holder || (holder.externalId !== undefined && holder.externalId !== desired.externalId) || (holder.externalId === undefined && !context.adoptExisting)) {
    throw new InvalidObjectError(
      `An Ably group named "${desired.displayName}" exists and this daemon does not manage it. Rename or remove it in Ably, or set policy.adoptExisting to true.`,
    );
  }
  await context.client.updateGroup(holder.id, wanted);
  return { result: 'applied', detail: 'adopted the existing group', writes: 1 };
}

async function applyGroupDelete(externalId: string, context: ApplyContext): Promise<ApplyResult> {
  if (await context.state.desiredGroup(externalId)) {
    return { result: 'skipped', detail: 'the group is wanted again', writes: 0 };
  }
  const existing = await context.client.findGroupByExternalId(externalId);
  if (!existing) {
    return { result: 'unchanged', detail: 'already gone', writes: 0 };
  }
  try {
    await context.client.deleteGroup(existing.id);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  return { result: 'applied', detail: 'deleted', writes: 1 };
}

async function applyMembershipAdd(operation: MembershipAddOperation, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredGroup(operation.groupExternalId);
  if (!desired) {
    return { result: 'skipped', detail: 'the group is no longer in the desired state', writes: 0 };
  }
  const group = await requireGroup(operation.groupExternalId, context);
  const wanted = new Set(desired.memberExternalIds);
  const current = new Set(await context.client.listGroupMemberIds(group.id));

  const toAdd: string[] = [];
  const missing: string[] = [];
  const candidates = operation.userExternalIds.filter((externalId) => wanted.has(externalId));
  const users = await context.client.findUsersByExternalIds(candidates);
  for (const externalId of candidates) {
    const user = users.get(externalId);
    if (!user) {
      missing.push(externalId);
    } else if (!current.has(user.id)) {
      toAdd.push(user.id);
    }
  }

  if (toAdd.length > 0) {
    await context.client.addGroupMembers(group.id, toAdd);
  }
  if (missing.length > 0) {
    // A member whose provisioning failed is added by a later run, once it exists.
    context.logger.warn({ groupExternalId: operation.groupExternalId, missing }, 'members not found in Ably, not added');
  }
  return {
    result: toAdd.length > 0 ? 'applied' : 'unchanged',
    detail: missing.length > 0 ? `${missing.length} members not found in Ably` : undefined,
    writes: toAdd.length > 0 ? 1 : 0,
  };
}

async function applyMembershipRemove(operation: MembershipRemoveOperation, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredGroup(operation.groupExternalId);
  const wanted = new Set(desired?.memberExternalIds ?? []);
  const group = await context.client.findGroupByExternalId(operation.groupExternalId);
  if (!group) {
    return { result: 'unchanged', detail: 'the group is gone', writes: 0 };
  }
  const current = new Set(await context.client.listGroupMemberIds(group.id));

  const toRemove: string[] = [];
  const candidates = operation.userExternalIds.filter((externalId) => !wanted.has(externalId));
  const users = await context.client.findUsersByExternalIds(candidates);
  for (const externalId of candidates) {
    const user = users.get(externalId);
    if (user && current.has(user.id)) {
      toRemove.push(user.id);
    }
  }
  if (toRemove.length === 0) {
    return { result: 'unchanged', writes: 0 };
  }
  await context.client.removeGroupMembers(group.id, toRemove);
  return { result: 'applied', writes: 1 };
}

async function applyRoleAssignment(operation: RoleAssignmentOperation, context: ApplyContext): Promise<ApplyResult> {
  const desired = await context.state.desiredGroup(operation.groupExternalId);
  if (!desired) {
    return { result: 'skipped', detail: 'the group is no longer in the desired state', writes: 0 };
  }
  const group = await requireGroup(operation.groupExternalId, context);
  if (accessMatches(group.accountAccess, desired.accountAccess)) {
    return { result: 'unchanged', writes: 0 };
  }
  if (operation.reportOnly) {
    return { result: 'skipped', detail: 'report-only: set these account roles in the Ably dashboard', writes: 0 };
  }
  await context.client.setGroupAccountAccess(group.id, desired.accountAccess);
  return { result: 'applied', writes: 1 };
}

async function requireGroup(externalId: string, context: ApplyContext): Promise<OrganizationGroup> {
  const group = await context.client.findGroupByExternalId(externalId);
  if (!group) {
    // Its group-create job failed or has not run; retrying lets it catch up.
    throw new TransientError(`The Ably group for IdP group ${externalId} does not exist yet; retrying.`);
  }
  return group;
}

/** Compares account links as sets: order of accounts and roles does not matter. */
export function accessMatches(actual: AccountAccess[], desired: AccountAccess[]): boolean {
  const normalize = (access: AccountAccess[]) =>
    JSON.stringify(
      access
        .filter((entry) => entry.roles.length > 0)
        .map((entry) => ({ accountId: entry.accountId, roles: [...entry.roles].sort() }))
        .sort((a, b) => a.accountId.localeCompare(b.accountId)),
    );
  return normalize(actual) === normalize(desired);
}
