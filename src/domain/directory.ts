/**
 * The identity provider's side, as every connector delivers it.
 *
 * Connectors map their wire formats (Okta users, Graph objects) into these
 * types in their `map.ts`, so no code past the connector handles a vendor shape.
 */

/**
 * Lifecycle of an IdP user after the connector's status policy.
 *
 * - `active`: may hold access in Ably.
 * - `suspended`: keeps its Ably user but deactivated (`active=false`).
 * - `deprovisioned`: loses Ably access under the configured deprovision mode.
 * - `pending`: not yet activated in the IdP; never provisioned.
 */
export type UserLifecycle = 'active' | 'suspended' | 'deprovisioned' | 'pending';

/** A user read from the IdP. */
export interface DirectoryUser {
  /** The IdP's immutable object id (Okta `id`, Entra `id`); becomes SCIM `externalId`. */
  externalId: string;
  /** The IdP login (Okta `profile.login`, Entra `userPrincipalName`). */
  login: string;
  /** The work email, case as the IdP stores it; absent when the IdP has none usable. */
  email?: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  lifecycle: UserLifecycle;
  /** The raw IdP status (Okta `status`, Entra `accountEnabled`), for reports. */
  sourceStatus: string;
}

/** A group read from the IdP, with its direct user members. */
export interface DirectoryGroup {
  /** The IdP's immutable group id. */
  externalId: string;
  /** The group's display name in the IdP. */
  name: string;
  /** `externalId`s of the member users. */
  memberIds: string[];
}

/** An object a connector read but could not use, with the reason. */
export interface SkippedObject {
  kind: 'user' | 'group' | 'member';
  /** The IdP id of the object, when it has one. */
  id?: string;
  reason: string;
}

/** Everything one read of the IdP returned. */
export interface DirectorySnapshot {
  source: 'okta' | 'entra' | 'file';
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  /**
   * False when any part of the read failed or was cut short. The planner then
   * emits no removal of any kind, because an absent user may only be unread.
   */
  isComplete: boolean;
  /** The reasons the snapshot is incomplete, one entry per failed part. */
  incompleteReasons: string[];
  skipped: SkippedObject[];
  /** ISO 8601 time the read started. */
  readAt: string;
}

/** Reads a whole directory. Each IdP has one. */
export interface DirectoryConnector {
  readonly source: DirectorySnapshot['source'];
  /**
   * Reads every user, group and membership in scope. A part that fails after
   * its retries marks the snapshot incomplete; only errors no retry can fix,
   * such as rejected credentials (`FatalError`), are thrown.
   */
  readFull(options?: { signal?: AbortSignal }): Promise<DirectorySnapshot>;
}

/** One change an incremental read found. */
export type DirectoryChange =
  | { type: 'user-upserted'; user: DirectoryUser }
  /** `deleted`: gone from the IdP (deprovision). `changed`: out of scope, for example disabled (deactivate). */
  | { type: 'user-removed'; externalId: string; reason: 'deleted' | 'changed' }
  /** A new or renamed group; `memberIds` is absent when the change carried no member list. */
  | { type: 'group-upserted'; group: Omit<DirectoryGroup, 'memberIds'> & { memberIds?: string[] } }
  | { type: 'group-removed'; externalId: string }
  | { type: 'member-added'; groupExternalId: string; userExternalId: string }
  | { type: 'member-removed'; groupExternalId: string; userExternalId: string };

/** The result of an incremental read. */
export interface DirectoryChanges {
  changes: DirectoryChange[];
  /** The cursor to store once every change is applied: an Entra delta link, or an Okta time and System Log position. */
  nextCursor: string;
  /** False when a page failed; the caller then keeps the old cursor and applies nothing. */
  isComplete: boolean;
  incompleteReasons: string[];
  skipped: SkippedObject[];
  /** HTTP requests the read made, for tests and metrics. */
  requestCount: number;
}

/** A connector that can also read only what changed since a cursor. */
export interface IncrementalDirectoryConnector extends DirectoryConnector {
  /** Reads a full snapshot and returns the cursor that marks its end. */
  readFullWithCursor(options?: { signal?: AbortSignal }): Promise<{ snapshot: DirectorySnapshot; cursor: string }>;
  /** Reads the changes since `cursor`. Throws `CursorExpiredError` when the IdP no longer accepts it. */
  readChanges(cursor: string, options?: { signal?: AbortSignal }): Promise<DirectoryChanges>;
}
