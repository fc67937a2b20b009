import Database from 'better-sqlite3';

/**
 * The emulator's resources, in memory and, when a data file is given, in
 * SQLite. Each write runs as one synchronous SQLite transaction before the
 * response is sent, so a write the client has seen succeed is never lost.
 * A SIGKILL between requests leaves every such write in the file, and
 * SQLite's journal rolls a half-done transaction back on the next open.
 * `synchronous = FULL` also covers a power loss.
 */

/** The Ably roles of an account. Owner exists only as a direct role, never through a group. */
export type AccountRoleName = 'Developer' | 'Billing' | 'Admin' | 'Owner';

/** A stored User or Group. */
export interface StoredResource {
  resourceType: 'User' | 'Group';
  id: string;
  schemas: string[];
  /** Canonical attributes without `id`, `meta` and `schemas`; extension attributes under their URN. */
  data: Record<string, unknown>;
  created: string;
  lastModified: string;
  /** Incremented on every change; `meta.version` is the weak ETag `W/"<version>"`. */
  version: number;
  /** Users only: roles assigned directly, by account id. */
  directRoles?: Record<string, AccountRoleName[]>;
}

/** Stored resources of one emulator. */
export class ResourceStore {
  readonly users = new Map<string, StoredResource>();
  readonly groups = new Map<string, StoredResource>();
  /** Group ids by member user id, kept in step with `groups` so that a user's groups need no scan. */
  private readonly groupIdsByUser = new Map<string, Set<string>>();
  /** Resource ids by lower-case `userName` (users) or `displayName` (groups), for the uniqueness checks. */
  private readonly idsByUniqueName = { User: new Map<string, string>(), Group: new Map<string, string>() };
  private readonly database: Database.Database | undefined;
  private readonly upsert: Database.Statement | undefined;
  private readonly remove: Database.Statement | undefined;

  constructor(dataFile: string | undefined) {
    if (!dataFile) {
      return;
    }
    this.database = new Database(dataFile);
    this.database.pragma('journal_mode = WAL');
    this.database.pragma('synchronous = FULL');
    this.database.exec('CREATE TABLE IF NOT EXISTS resources (id TEXT PRIMARY KEY, resource_type TEXT NOT NULL, body TEXT NOT NULL)');
    this.upsert = this.database.prepare('INSERT INTO resources (id, resource_type, body) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body');
    this.remove = this.database.prepare('DELETE FROM resources WHERE id = ?');

    const rows = this.database.prepare('SELECT resource_type AS resourceType, body FROM resources').all() as { resourceType: string; body: string }[];
    for (const row of rows) {
      const resource = JSON.parse(row.body) as StoredResource;
      this.setInMemory(resource);
    }
  }

  /** Returns the map of the resources of one type. */
  mapFor(resourceType: 'User' | 'Group'): Map<string, StoredResource> {
    return resourceType === 'User' ? this.users : this.groups;
  }

  /** Saves and deletes resources as one transaction: in memory, then in the data file. */
  commit(changes: { put?: StoredResource[]; delete?: StoredResource[] }): void {
    const puts = changes.put ?? [];
    const deletes = changes.delete ?? [];
    if (this.database && this.upsert && this.remove) {
      const upsert = this.upsert;
      const remove = this.remove;
      this.database.transaction(() => {
        for (const resource of puts) upsert.run(resource.id, resource.resourceType, JSON.stringify(resource));
        for (const resource of deletes) remove.run(resource.id);
      })();
    }
    for (const resource of puts) this.setInMemory(resource);
    for (const resource of deletes) this.deleteInMemory(resource);
  }

  /** Returns the id of the user with this `userName`, or of the group with this `displayName`, compared case-insensitively. */
  idByUniqueName(resourceType: 'User' | 'Group', name: string): string | undefined {
    return this.idsByUniqueName[resourceType].get(name.toLowerCase());
  }

  /** Returns the ids of the groups a user is a member of. */
  groupIdsOf(userId: string): string[] {
    return [...(this.groupIdsByUser.get(userId) ?? [])];
  }

  private setInMemory(resource: StoredResource): void {
    this.unindexName(resource.resourceType, resource.id);
    this.idsByUniqueName[resource.resourceType].set(uniqueNameOf(resource), resource.id);
    if (resource.resourceType === 'Group') {
      this.unindexGroup(resource.id);
      for (const userId of memberIdsIn(resource)) {
        const groupIds = this.groupIdsByUser.get(userId) ?? new Set<string>();
        groupIds.add(resource.id);
        this.groupIdsByUser.set(userId, groupIds);
      }
    }
    this.mapFor(resource.resourceType).set(resource.id, resource);
  }

  private deleteInMemory(resource: StoredResource): void {
    this.unindexName(resource.resourceType, resource.id);
    if (resource.resourceType === 'Group') {
      this.unindexGroup(resource.id);
    }
    this.mapFor(resource.resourceType).delete(resource.id);
  }

  private unindexName(resourceType: 'User' | 'Group', id: string): void {
    const previous = this.mapFor(resourceType).get(id);
    if (previous) this.idsByUniqueName[resourceType].delete(uniqueNameOf(previous));
  }

  private unindexGroup(groupId: string): void {
    const previous = this.groups.get(groupId);
    if (!previous) return;
    for (const userId of memberIdsIn(previous)) {
      this.groupIdsByUser.get(userId)?.delete(groupId);
    }
  }

  /** Closes the data file. */
  close(): void {
    this.database?.close();
  }
}

function uniqueNameOf(resource: StoredResource): string {
  const name = resource.resourceType === 'User' ? resource.data.userName : resource.data.displayName;
  return String(name).toLowerCase();
}

function memberIdsIn(group: StoredResource): string[] {
  const members = group.data.members;
  if (!Array.isArray(members)) return [];
  return members.flatMap((member: unknown) => {
    const value = typeof member === 'object' && member !== null ? (member as Record<string, unknown>).value : undefined;
    return typeof value === 'string' ? [value] : [];
  });
}
