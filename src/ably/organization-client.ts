import type { DesiredUser } from '../domain/operations.js';
import type {
  AccountAccess,
  OrganizationGroup,
  OrganizationSnapshot,
  OrganizationUser,
  ProviderCapabilities,
} from '../domain/organization.js';

/**
 * The reads and writes of the Ably organization that the planner and the
 * operation workers use. The SCIM client implements it, so every assumption
 * about Ably's wire format stays behind this interface.
 *
 * Errors are those of `src/errors`: `TransientError` after the retries are
 * spent, `ConflictError` for `409`, `NotFoundError` for `404`,
 * `InvalidObjectError` for a rejected object, `FatalError` for `401`/`403`
 * and for a provider that breaks the protocol.
 */
export interface OrganizationClient {
  /** Reads and caches the provider's capabilities. */
  discover(): Promise<ProviderCapabilities>;

  /** Reads every user and group with their memberships. Throws rather than return a partial read. */
  readOrganization(): Promise<OrganizationSnapshot>;

  findUserByExternalId(externalId: string): Promise<OrganizationUser | undefined>;
  /** Looks many users up by `externalId` in a few requests; ids with no user are absent from the map. */
  findUsersByExternalIds(externalIds: readonly string[]): Promise<Map<string, OrganizationUser>>;
  /** Looks a user up by `userName`, which the provider compares case-insensitively. */
  findUserByUserName(userName: string): Promise<OrganizationUser | undefined>;
  getUser(id: string): Promise<OrganizationUser>;
  /** Creates a user. Throws `ConflictError` when the `userName` is taken. */
  createUser(user: DesiredUser): Promise<OrganizationUser>;
  /** Sets every attribute the daemon owns, including `externalId` and `active`. */
  updateUser(id: string, user: DesiredUser): Promise<OrganizationUser>;
  setUserActive(id: string, active: boolean): Promise<void>;
  /** Deletes a user. Throws `NotFoundError` when it is already gone. */
  deleteUser(id: string): Promise<void>;

  findGroupByExternalId(externalId: string): Promise<OrganizationGroup | undefined>;
  /** Looks a group up by `displayName`, for adopting a group whose create conflicted. */
  findGroupByDisplayName(displayName: string): Promise<OrganizationGroup | undefined>;
  getGroup(id: string): Promise<OrganizationGroup>;
  createGroup(group: { externalId: string; displayName: string }): Promise<OrganizationGroup>;
  /** Sets `displayName` and `externalId`; used for renames and adoption. */
  updateGroup(id: string, group: { externalId: string; displayName: string }): Promise<void>;
  deleteGroup(id: string): Promise<void>;
  /** Reads a group's member ids, without trusting an empty `members` array from a provider that omits them. */
  listGroupMemberIds(id: string): Promise<string[]>;
  /** Adds members, split into PATCH requests under the provider's operation limit. */
  addGroupMembers(id: string, userIds: string[]): Promise<void>;
  /** Removes members one value-filter path each (`members[value eq "…"]`), never a bare `members` remove. */
  removeGroupMembers(id: string, userIds: string[]): Promise<void>;
  /** Replaces the account roles a group grants. Throws `FatalError` when the provider has no role extension. */
  setGroupAccountAccess(id: string, access: AccountAccess[]): Promise<void>;
}
