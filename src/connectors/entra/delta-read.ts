import type { DirectoryChange, SkippedObject } from '../../domain/directory.js';
import { FatalError } from '../../errors/index.js';
import type { GraphPage } from './client.js';
import type { EntraCursor } from './cursor.js';
import { applyNestedPolicy, readMemberIds } from './full-read.js';
import { asMemberWire, asUserWire, mapUser, GRAPH_GROUP_TYPE, GRAPH_USER_TYPE, type GraphMemberWire } from './map.js';
import { addUsers, isGroupInScope, readTransitiveUserIds, sortMembers, USER_SELECT_TEXT, type EntraReadContext, type ReadState } from './read-context.js';

/** A group as one delta round reported it, with its `members@delta` entries from every page merged. */
interface GroupDeltaEntry {
  id: string;
  displayName: string | undefined;
  removedReason: string | undefined;
  members: GraphMemberWire[];
}

const GROUP_DELTA_SELECT = 'id,displayName,members';

/**
 * Runs the initial delta round of `/users/delta` and `/groups/delta`, which
 * returns every object, and builds the snapshot from it. This is the cheapest
 * correct way to get a snapshot and the delta links together: a list read
 * followed by a delta round would read every object twice. Nested groups
 * still cost one `transitiveMembers` read each with `flatten`, since delta
 * reports direct members only. Graph applies no group scope to
 * `/groups/delta`, so the round reads every group and the scope is applied
 * here. Any failure propagates, because a cursor must not be stored for a
 * partial snapshot.
 */
export async function readInitialDeltaRound(context: EntraReadContext, signal?: AbortSignal): Promise<{ state: ReadState; cursor: EntraCursor }> {
  const { client } = context;
  const state: ReadState = { users: new Map(), groups: [], skipped: [], incompleteReasons: [] };

  const usersRound = await collectRound(context, client.url('/users/delta', { $select: USER_SELECT_TEXT }), signal);
  addUsers(context, state, usersRound.items);

  const groupsRound = await collectRound(context, client.url('/groups/delta', { $select: GROUP_DELTA_SELECT }), signal);
  const cursor: EntraCursor = { usersDeltaLink: usersRound.deltaLink, groupsDeltaLink: groupsRound.deltaLink, groups: {}, nestedParents: {} };

  const inScope = [...mergeGroupEntries(groupsRound.items).values()].filter(
    (entry) => entry.removedReason === undefined && isGroupInScope(context.config, entry),
  );
  // The client's semaphore bounds the transitive reads, so every group starts at once.
  state.groups = await Promise.all(
    inScope.map(async (entry) => {
      const current = entry.members.filter((member) => !member['@removed']);
      const { userIds, nestedGroupIds } = sortMembers(entry.id, current, state.skipped);
      recordNested(cursor, entry.id, nestedGroupIds, context.config.nestedGroups);
      const memberIds = await applyNestedPolicy(context, state.skipped, entry.id, userIds, nestedGroupIds, signal);
      const name = entry.displayName ?? entry.id;
      cursor.groups[entry.id] = name;
      // Only users the round mapped stay members. The others were skipped.
      return { externalId: entry.id, name, memberIds: memberIds.filter((id) => state.users.has(id)) };
    }),
  );
  return { state, cursor };
}

/**
 * Reads one delta round from the cursor's links and turns it into changes.
 * Errors propagate: the caller keeps the old cursor on any failure.
 */
export async function readDeltaChanges(
  context: EntraReadContext,
  cursor: EntraCursor,
  signal?: AbortSignal,
): Promise<{ changes: DirectoryChange[]; skipped: SkippedObject[]; nextCursor: EntraCursor }> {
  const changes: DirectoryChange[] = [];
  const skipped: SkippedObject[] = [];

  const usersRound = await collectRound(context, cursor.usersDeltaLink, signal);
  for (const item of usersRound.items) {
    changes.push(...userChanges(context, item, skipped));
  }

  const groupsRound = await collectRound(context, cursor.groupsDeltaLink, signal);
  const next: EntraCursor = {
    usersDeltaLink: usersRound.deltaLink,
    groupsDeltaLink: groupsRound.deltaLink,
    groups: { ...cursor.groups },
    nestedParents: structuredClone(cursor.nestedParents),
  };
  const groupsToFlatten = new Set<string>();

  for (const entry of mergeGroupEntries(groupsRound.items).values()) {
    const wasInScope = Object.hasOwn(cursor.groups, entry.id);
    const isInScope = entry.removedReason === undefined && (entry.displayName === undefined ? wasInScope : isGroupInScope(context.config, entry));
    if (!isInScope) {
      if (wasInScope) {
        changes.push({ type: 'group-removed', externalId: entry.id });
        delete next.groups[entry.id];
      }
      // A nested group out of scope may still change the members of its in-scope parents.
      for (const parentId of next.nestedParents[entry.id] ?? []) groupsToFlatten.add(parentId);
      continue;
    }
    if (!wasInScope) {
      // A group new to the scope (created, or renamed into it) carries only
      // its member changes, so its whole member list is read once.
      const name = entry.displayName ?? entry.id;
      next.groups[entry.id] = name;
      const { memberIds, nestedGroupIds } = await readMemberIds(context, entry.id, skipped, signal);
      changes.push({ type: 'group-upserted', group: { externalId: entry.id, name, memberIds } });
      recordNested(next, entry.id, nestedGroupIds, context.config.nestedGroups);
      continue;
    }
    if (entry.displayName !== undefined) {
      next.groups[entry.id] = entry.displayName;
      changes.push({ type: 'group-upserted', group: { externalId: entry.id, name: entry.displayName } });
    }
    changes.push(...memberChanges(context, entry, next, skipped, groupsToFlatten));
    for (const parentId of next.nestedParents[entry.id] ?? []) groupsToFlatten.add(parentId);
  }

  for (const groupId of groupsToFlatten) {
    const name = next.groups[groupId];
    if (name === undefined) continue;
    const memberIds = await readTransitiveUserIds(context, groupId, signal);
    changes.push({ type: 'group-upserted', group: { externalId: groupId, name, memberIds } });
  }
  return { changes, skipped, nextCursor: next };
}

function userChanges(context: EntraReadContext, item: unknown, skipped: SkippedObject[]): DirectoryChange[] {
  const wire = asUserWire(item);
  if (wire === undefined) {
    return [];
  }
  const removed = (item as { '@removed'?: { reason?: unknown } })['@removed'];
  if (removed !== undefined) {
    // Graph: `changed` means soft-deleted and restorable for 30 days, `deleted` permanently gone.
    return [{ type: 'user-removed', externalId: wire.id, reason: removed.reason === 'deleted' ? 'deleted' : 'changed' }];
  }
  const mapping = mapUser(wire, { includeGuests: context.config.includeGuests });
  if (mapping.kind === 'user') {
    return [{ type: 'user-upserted', user: mapping.user }];
  }
  skipped.push(mapping.skipped);
  context.logger.warn({ userId: wire.id, reason: mapping.skipped.reason }, 'entra user skipped');
  // The user may have been in scope before this change, so it leaves now.
  return [{ type: 'user-removed', externalId: wire.id, reason: 'changed' }];
}

function memberChanges(
  context: EntraReadContext,
  entry: GroupDeltaEntry,
  next: EntraCursor,
  skipped: SkippedObject[],
  groupsToFlatten: Set<string>,
): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  for (const member of entry.members) {
    const isRemoved = member['@removed'] !== undefined;
    const type = member['@odata.type'];
    if (type === GRAPH_USER_TYPE) {
      if (context.config.nestedGroups === 'flatten' && hasNestedGroups(next, entry.id)) {
        groupsToFlatten.add(entry.id);
        continue;
      }
      changes.push(isRemoved
        ? { type: 'member-removed', groupExternalId: entry.id, userExternalId: member.id }
        : { type: 'member-added', groupExternalId: entry.id, userExternalId: member.id });
    } else if (type === GRAPH_GROUP_TYPE) {
      if (context.config.nestedGroups === 'flatten') {
        updateNestedParent(next, member.id, entry.id, isRemoved);
        groupsToFlatten.add(entry.id);
      } else if (!isRemoved) {
        skipped.push({ kind: 'member', id: member.id, reason: `nested group in group ${entry.id}; nestedGroups is skip` });
      }
    } else if (!isRemoved) {
      const kind = type === undefined ? 'untyped object' : type.replace('#microsoft.graph.', '');
      skipped.push({ kind: 'member', id: member.id, reason: `member is a ${kind}, not a user (group ${entry.id})` });
    }
  }
  return changes;
}

/** Follows `@odata.nextLink` from `firstUrl` to the round's `@odata.deltaLink`, collecting every item. */
async function collectRound(context: EntraReadContext, firstUrl: string, signal?: AbortSignal): Promise<{ items: unknown[]; deltaLink: string }> {
  const items: unknown[] = [];
  let page: GraphPage = await context.client.getPage(firstUrl, signal);
  items.push(...page.value);
  while (page.nextLink !== undefined) {
    page = await context.client.getPage(page.nextLink, signal);
    items.push(...page.value);
  }
  if (page.deltaLink === undefined) {
    throw new FatalError(`Microsoft Graph ended the delta round of ${new URL(firstUrl).pathname} without an @odata.deltaLink.`);
  }
  return { items, deltaLink: page.deltaLink };
}

/** Merges the items of one group that Graph spread over several pages. */
function mergeGroupEntries(items: unknown[]): Map<string, GroupDeltaEntry> {
  const entries = new Map<string, GroupDeltaEntry>();
  for (const item of items) {
    const wire = asMemberWire(item);
    if (wire === undefined) continue;
    const record = item as { displayName?: unknown; '@removed'?: { reason?: unknown }; 'members@delta'?: unknown };
    const entry = entries.get(wire.id) ?? { id: wire.id, displayName: undefined, removedReason: undefined, members: [] };
    if (typeof record.displayName === 'string') entry.displayName = record.displayName;
    if (record['@removed'] !== undefined) entry.removedReason = typeof record['@removed'].reason === 'string' ? record['@removed'].reason : 'deleted';
    if (Array.isArray(record['members@delta'])) {
      for (const member of record['members@delta']) {
        const memberWire = asMemberWire(member);
        if (memberWire !== undefined) entry.members.push(memberWire);
      }
    }
    entries.set(wire.id, entry);
  }
  return entries;
}

function recordNested(cursor: EntraCursor, parentId: string, nestedGroupIds: string[], mode: 'flatten' | 'skip'): void {
  if (mode !== 'flatten') return;
  for (const nestedId of nestedGroupIds) updateNestedParent(cursor, nestedId, parentId, false);
}

function updateNestedParent(cursor: EntraCursor, nestedId: string, parentId: string, isRemoved: boolean): void {
  const parents = new Set(cursor.nestedParents[nestedId] ?? []);
  if (isRemoved) parents.delete(parentId);
  else parents.add(parentId);
  if (parents.size === 0) delete cursor.nestedParents[nestedId];
  else cursor.nestedParents[nestedId] = [...parents];
}

function hasNestedGroups(cursor: EntraCursor, groupId: string): boolean {
  return Object.values(cursor.nestedParents).some((parents) => parents.includes(groupId));
}
