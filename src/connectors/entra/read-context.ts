import type { EntraSourceConfig } from '../../config/schema.js';
import type { DirectoryGroup, DirectoryUser, SkippedObject } from '../../domain/directory.js';
import { ConfigurationError, FatalError } from '../../errors/index.js';
import type { Logger } from '../../logging.js';
import type { EntraGraphClient } from './client.js';
import { asMemberWire, asUserWire, mapUser, nonUserMemberReason, GRAPH_GROUP_TYPE, USER_SELECT } from './map.js';

/** Dependencies shared by every read of the Entra connector. */
export interface EntraReadContext {
  client: EntraGraphClient;
  config: EntraSourceConfig;
  logger: Logger;
}

/** Users, groups and skips collected while reading, before they become a snapshot. */
export interface ReadState {
  users: Map<string, DirectoryUser>;
  groups: DirectoryGroup[];
  skipped: SkippedObject[];
  incompleteReasons: string[];
}

/** Returns true when a group is in scope: every group when `groups` is empty, else one named by id or display name. */
export function isGroupInScope(config: Pick<EntraSourceConfig, 'groups'>, group: { id: string; displayName?: string | null }): boolean {
  if (config.groups.length === 0) {
    return true;
  }
  const name = group.displayName?.toLowerCase();
  return config.groups.some((selector) => selector === group.id || (name !== undefined && selector.toLowerCase() === name));
}

/** Maps user items into `state`, logging each skipped user. */
export function addUsers(context: EntraReadContext, state: ReadState, items: unknown[]): void {
  for (const item of items) {
    const wire = asUserWire(item);
    if (wire === undefined || '@removed' in (item as object)) {
      continue;
    }
    const mapping = mapUser(wire, { includeGuests: context.config.includeGuests });
    if (mapping.kind === 'user') {
      state.users.set(mapping.user.externalId, mapping.user);
    } else {
      state.skipped.push(mapping.skipped);
      context.logger.warn({ userId: wire.id, reason: mapping.skipped.reason }, 'entra user skipped');
    }
  }
}

/**
 * Sorts a group's direct members into user ids and nested group ids, and
 * reports every other member (device, contact, service principal) as skipped.
 */
export function sortMembers(groupId: string, items: unknown[], skipped: SkippedObject[]): { userIds: string[]; nestedGroupIds: string[] } {
  const userIds: string[] = [];
  const nestedGroupIds: string[] = [];
  for (const item of items) {
    const member = asMemberWire(item);
    if (member === undefined) {
      continue;
    }
    if (member['@odata.type'] === GRAPH_GROUP_TYPE) {
      nestedGroupIds.push(member.id);
      continue;
    }
    const reason = nonUserMemberReason(member);
    if (reason === undefined) {
      userIds.push(member.id);
    } else {
      skipped.push({ kind: 'member', id: member.id, reason: `${reason} (group ${groupId})` });
    }
  }
  return { userIds, nestedGroupIds };
}

/** Reads the users reachable from a group through nested groups, for `nestedGroups: flatten`. */
export async function readTransitiveUserIds(context: EntraReadContext, groupId: string, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  const pages = context.client.pages(`/groups/${groupId}/transitiveMembers/microsoft.graph.user`, { $select: 'id' }, { top: context.config.pageSize, signal });
  for await (const page of pages) {
    for (const item of page.value) {
      const member = asMemberWire(item);
      if (member !== undefined) ids.push(member.id);
    }
  }
  return ids;
}

/** The `$select` for user reads. */
export const USER_SELECT_TEXT = USER_SELECT.join(',');

/** Rethrows errors that must stop the read; returns the reason text for the others, which only make it incomplete. */
export function incompleteReason(error: unknown, part: string): string {
  if (error instanceof FatalError || error instanceof ConfigurationError) {
    throw error;
  }
  return `${part}: ${error instanceof Error ? error.message : String(error)}`;
}
