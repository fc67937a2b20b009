/**
 * The Ably organization's side, as the SCIM client reads it.
 *
 * Everything here is in SCIM terms; `src/ably` is the only code that encodes
 * them on the wire.
 */

/** An account role that can be granted through a group. Owner is never granted by this tool. */
export type AccountRole = 'Developer' | 'Billing' | 'Admin';

export const ACCOUNT_ROLES: readonly AccountRole[] = ['Developer', 'Billing', 'Admin'];

/** The roles a group grants in one account. */
export interface AccountAccess {
  accountId: string;
  roles: AccountRole[];
}

/** A SCIM user of the organization. */
export interface OrganizationUser {
  /** The service provider's id. */
  id: string;
  userName: string;
  /** The IdP id; set only on users a provisioning client created or adopted. */
  externalId?: string;
  active: boolean;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  /** The primary work email. */
  email?: string;
  /** The `meta.version` ETag, when the provider sends one. */
  version?: string;
}

/** A SCIM group of the organization. */
export interface OrganizationGroup {
  id: string;
  displayName: string;
  externalId?: string;
  /** SCIM ids of the member users. */
  memberIds: string[];
  /** Account links from the role extension; empty when the provider has no extension. */
  accountAccess: AccountAccess[];
  version?: string;
}

/** The provider's capabilities, read from `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`. */
export interface ProviderCapabilities {
  patch: boolean;
  filter: boolean;
  /** The largest page the provider returns; also the page size the client asks for. */
  maxResults: number;
  etag: boolean;
  bulk: boolean;
  /** Whether `/Schemas` lists the group→account role extension. When false, role assignment is report-only. */
  hasRoleExtension: boolean;
  /** Most PATCH operations the provider accepts in one request. */
  maxPatchOperations: number;
}

/** Everything one read of the organization returned. */
export interface OrganizationSnapshot {
  users: OrganizationUser[];
  groups: OrganizationGroup[];
  capabilities: ProviderCapabilities;
  readAt: string;
}
