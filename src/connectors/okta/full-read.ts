import type { DirectoryGroup, DirectorySnapshot } from '../../domain/directory.js';
import { NotFoundError } from '../../errors/index.js';
import { toSyncError } from './client.js';
import { isGroupTypeInScope, mapGroup, mapMemberId, mapUser } from './map.js';
import { failureReason, GROUP_TYPES_FILTER, type OktaReadContext } from './read-context.js';

/**
 * Okta leaves DEPROVISIONED users out of `GET /api/v1/users` unless a
 * `search` or `filter` is given, so the full read searches for every
 * documented status. NOTE: a status Okta adds later would be missed here.
 */
const ALL_STATUSES_SEARCH = ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'SUSPENDED', 'DEPROVISIONED', 'STAGED', 'PROVISIONED']
  .map((status) => `status eq "${status}"`)
  .join(' or ');

/** Groups whose members are read at the same time; low, because Okta limits requests per minute. */
const MEMBER_READ_CONCURRENCY = 4;

type GroupWithoutMembers = Omit<DirectoryGroup, 'memberIds'>;

/**
 * Reads every user, every group in scope and each group's members. A part
 * that fails after retries marks the snapshot incomplete, and the read goes
 * on with the other parts. Only a rejected token or an abort throws.
 */
export async function readOktaDirectory(context: OktaReadContext, signal?: AbortSignal): Promise<DirectorySnapshot> {
  const startedAt = context.clock();
  const requestsBefore = context.api.requestCount();
  const snapshot: DirectorySnapshot = {
    source: 'okta',
    users: [],
    groups: [],
    isComplete: true,
    incompleteReasons: [],
    skipped: [],
    readAt: startedAt.toISOString(),
  };
  const markIncomplete = (part: string, error: unknown): void => {
    snapshot.incompleteReasons.push(failureReason(context, part, error, signal));
    snapshot.isComplete = false;
  };

  try {
    await readUsers(context, snapshot, signal);
  } catch (error) {
    markIncomplete('users', error);
  }

  let groups: GroupWithoutMembers[] = [];
  try {
    groups = await readGroups(context, snapshot, signal);
  } catch (error) {
    markIncomplete('groups', error);
  }

  await forEachConcurrently(groups, MEMBER_READ_CONCURRENCY, async (group) => {
    try {
      snapshot.groups.push({ ...group, memberIds: await readMemberIds(context, group.externalId, snapshot, signal) });
    } catch (error) {
      if (toSyncError(error, context.config.tokenEnv) instanceof NotFoundError) {
        // The group was deleted between the group list and its member list.
        snapshot.skipped.push({ kind: 'group', id: group.externalId, reason: `Okta group ${group.externalId} was deleted during the read` });
        return;
      }
      markIncomplete(`members of group ${group.externalId} (${group.name})`, error);
    }
  });
  snapshot.groups.sort((left, right) => left.name.localeCompare(right.name));

  context.logger.info(
    {
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      skipped: snapshot.skipped.length,
      isComplete: snapshot.isComplete,
      requestCount: context.api.requestCount() - requestsBefore,
      durationMs: context.clock().getTime() - startedAt.getTime(),
    },
    'okta full read finished',
  );
  return snapshot;
}

async function readUsers(context: OktaReadContext, snapshot: DirectorySnapshot, signal: AbortSignal | undefined): Promise<void> {
  const { api, config } = context;
  const users = api.readAll(() => api.client.userApi.listUsers({ search: ALL_STATUSES_SEARCH, limit: config.pageSize }), { signal });
  for await (const raw of users) {
    const mapped = mapUser(raw, context.policy);
    if (mapped.ok) {
      snapshot.users.push(mapped.value);
    } else {
      snapshot.skipped.push(mapped.skipped);
    }
  }
}

async function readGroups(
  context: OktaReadContext,
  snapshot: DirectorySnapshot,
  signal: AbortSignal | undefined,
): Promise<GroupWithoutMembers[]> {
  const { api, config } = context;
  const groups: GroupWithoutMembers[] = [];
  const listed = api.readAll(() => api.client.groupApi.listGroups({ filter: GROUP_TYPES_FILTER, limit: config.pageSize }), { signal });
  for await (const raw of listed) {
    const mapped = mapGroup(raw);
    if (!mapped.ok) {
      snapshot.skipped.push(mapped.skipped);
    } else if (isGroupTypeInScope(mapped.value.type)) {
      groups.push({ externalId: mapped.value.externalId, name: mapped.value.name });
    }
  }
  return groups;
}

async function readMemberIds(
  context: OktaReadContext,
  groupId: string,
  snapshot: DirectorySnapshot,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const { api, config } = context;
  const memberIds: string[] = [];
  for await (const raw of api.readAll(() => api.client.groupApi.listGroupUsers({ groupId, limit: config.pageSize }), { signal })) {
    const mapped = mapMemberId(raw, groupId);
    if (mapped.ok) {
      memberIds.push(mapped.value);
    } else {
      snapshot.skipped.push(mapped.skipped);
    }
  }
  return memberIds;
}

/** Runs `work` on every item, `concurrency` at a time. After a failure no new item starts, and the first error is raised. */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let hasFailed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !hasFailed) {
      const item = items[next];
      next += 1;
      if (item === undefined) {
        continue;
      }
      try {
        await work(item);
      } catch (error) {
        hasFailed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
