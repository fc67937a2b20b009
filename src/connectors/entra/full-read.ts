import type { DirectoryGroup, SkippedObject } from '../../domain/directory.js';
import {
  addUsers,
  incompleteReason,
  isGroupInScope,
  readTransitiveUserIds,
  sortMembers,
  USER_SELECT_TEXT,
  type EntraReadContext,
  type ReadState,
} from './read-context.js';
import { GROUP_SELECT } from './map.js';

/**
 * Reads users, groups and memberships through the list endpoints: `/users`
 * (with `userFilter`), `/groups`, then `/groups/{id}/members` for each group
 * in scope, concurrently within `maxConcurrentRequests`. A `FatalError` or
 * `ConfigurationError` propagates. Any other failure marks its part incomplete.
 */
export async function readThroughLists(context: EntraReadContext, signal?: AbortSignal): Promise<ReadState> {
  const { client, config } = context;
  const state: ReadState = { users: new Map(), groups: [], skipped: [], incompleteReasons: [] };

  try {
    for await (const page of client.pages('/users', { $select: USER_SELECT_TEXT, $filter: config.userFilter }, { top: config.pageSize, signal })) {
      addUsers(context, state, page.value);
    }
  } catch (error) {
    state.incompleteReasons.push(incompleteReason(error, 'users'));
  }

  const groupsInScope: Array<{ id: string; displayName: string }> = [];
  try {
    for await (const page of client.pages('/groups', { $select: GROUP_SELECT.join(',') }, { top: config.pageSize, signal })) {
      for (const item of page.value) {
        const group = item as { id?: unknown; displayName?: unknown };
        if (typeof group.id !== 'string') {
          continue;
        }
        const displayName = typeof group.displayName === 'string' ? group.displayName : group.id;
        if (isGroupInScope(config, { id: group.id, displayName })) {
          groupsInScope.push({ id: group.id, displayName });
        }
      }
    }
  } catch (error) {
    state.incompleteReasons.push(incompleteReason(error, 'groups'));
  }

  // The client's semaphore bounds the requests, so every group starts at once.
  const groups = await Promise.all(groupsInScope.map((group) => readGroupMembers(context, state, group, signal)));
  state.groups = groups;
  signal?.throwIfAborted();
  return state;
}

async function readGroupMembers(
  context: EntraReadContext,
  state: ReadState,
  group: { id: string; displayName: string },
  signal?: AbortSignal,
): Promise<DirectoryGroup> {
  const result: DirectoryGroup = { externalId: group.id, name: group.displayName, memberIds: [] };
  try {
    const { memberIds } = await readMemberIds(context, group.id, state.skipped, signal);
    result.memberIds = memberIds.filter((id) => state.users.has(id));
  } catch (error) {
    state.incompleteReasons.push(incompleteReason(error, `members of group ${group.id}`));
  }
  return result;
}

/**
 * Reads a group's user members through `/groups/{id}/members`, applying the
 * nested-group setting, and returns them with the ids of the nested groups.
 * The member ids are not checked against any user list.
 */
export async function readMemberIds(
  context: EntraReadContext,
  groupId: string,
  skipped: SkippedObject[],
  signal?: AbortSignal,
): Promise<{ memberIds: string[]; nestedGroupIds: string[] }> {
  const items: unknown[] = [];
  for await (const page of context.client.pages(`/groups/${groupId}/members`, { $select: 'id' }, { top: context.config.pageSize, signal })) {
    items.push(...page.value);
  }
  const { userIds, nestedGroupIds } = sortMembers(groupId, items, skipped);
  const memberIds = await applyNestedPolicy(context, skipped, groupId, userIds, nestedGroupIds, signal);
  return { memberIds, nestedGroupIds };
}

/**
 * Applies the nested-group setting: `skip` reports each nested group, and
 * `flatten` replaces the direct user list with the transitive one.
 */
export async function applyNestedPolicy(
  context: EntraReadContext,
  skipped: SkippedObject[],
  groupId: string,
  userIds: string[],
  nestedGroupIds: string[],
  signal?: AbortSignal,
): Promise<string[]> {
  if (nestedGroupIds.length > 0 && context.config.nestedGroups === 'flatten') {
    return [...new Set(await readTransitiveUserIds(context, groupId, signal))];
  }
  for (const nestedId of nestedGroupIds) {
    skipped.push({ kind: 'member', id: nestedId, reason: `nested group in group ${groupId}; nestedGroups is skip` });
  }
  return [...new Set(userIds)];
}
