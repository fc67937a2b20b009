import type { DirectoryChange, DirectoryGroup, DirectorySnapshot } from '../domain/directory.js';

/**
 * Applies incremental changes to a snapshot and returns a new snapshot; the
 * input is not modified. Changes apply in order, and each is idempotent, so
 * applying a change list twice gives the same result as applying it once.
 *
 * - `user-upserted` replaces the user with the same `externalId` or adds it.
 * - `user-removed` drops the user and its memberships in every group.
 * - `group-upserted` renames or adds a group; its members are replaced only
 *   when the change carries `memberIds`.
 * - `group-removed` drops the group.
 * - `member-added` and `member-removed` change one membership. A change that
 *   names a group absent from the snapshot is ignored, because that group is
 *   outside the connector's scope.
 *
 * `isComplete`, `incompleteReasons`, `skipped`, `source` and `readAt` are
 * kept from the input snapshot: the caller decides what a merged read means.
 */
export function applyChanges(snapshot: DirectorySnapshot, changes: readonly DirectoryChange[]): DirectorySnapshot {
  const users = new Map(snapshot.users.map((user) => [user.externalId, user]));
  const groups = new Map<string, DirectoryGroup>(
    snapshot.groups.map((group) => [group.externalId, { ...group, memberIds: [...group.memberIds] }]),
  );

  for (const change of changes) {
    switch (change.type) {
      case 'user-upserted':
        users.set(change.user.externalId, change.user);
        break;
      case 'user-removed':
        users.delete(change.externalId);
        for (const group of groups.values()) {
          group.memberIds = group.memberIds.filter((id) => id !== change.externalId);
        }
        break;
      case 'group-upserted': {
        const existing = groups.get(change.group.externalId);
        groups.set(change.group.externalId, {
          externalId: change.group.externalId,
          name: change.group.name,
          memberIds: change.group.memberIds ? [...change.group.memberIds] : (existing?.memberIds ?? []),
        });
        break;
      }
      case 'group-removed':
        groups.delete(change.externalId);
        break;
      case 'member-added': {
        const group = groups.get(change.groupExternalId);
        if (group && !group.memberIds.includes(change.userExternalId)) {
          group.memberIds.push(change.userExternalId);
        }
        break;
      }
      case 'member-removed': {
        const group = groups.get(change.groupExternalId);
        if (group) {
          group.memberIds = group.memberIds.filter((id) => id !== change.userExternalId);
        }
        break;
      }
    }
  }

  return { ...snapshot, users: [...users.values()], groups: [...groups.values()] };
}
