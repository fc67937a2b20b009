import type { DirectoryChange, DirectoryChanges, SkippedObject } from '../../domain/directory.js';
import { CursorExpiredError } from '../../errors/index.js';
import { decodeCursor, encodeCursor, type OktaCursor } from './cursor.js';
import { isGroupTypeInScope, LOG_EVENT_TYPES, mapGroup, mapLogEvent, mapUser } from './map.js';
import { failureReason, GROUP_TYPES_FILTER, type OktaReadContext } from './read-context.js';

export interface IncrementalReadSettings {
  /** How long the org keeps System Log events; an older cursor raises `CursorExpiredError`. */
  retentionMs: number;
  /** How far each read reaches back before the cursor time. */
  overlapMs: number;
}

/** Okta's largest System Log page. */
const LOG_PAGE_SIZE = 1000;
/** Bounds the cursor's size when a burst of events lands inside the overlap window. */
const MAX_SEEN_EVENT_IDS = 2000;
const DAY_MS = 86_400_000;

/** What one incremental read collects before it decides on the result. */
interface ChangeCollector {
  userChanges: DirectoryChange[];
  groupChanges: DirectoryChange[];
  logChanges: DirectoryChange[];
  skipped: SkippedObject[];
  /** uuids of events inside the next read's overlap window. */
  nextSeenEventIds: string[];
}

/**
 * Reads what changed since `cursorText`: users and groups by `lastUpdated`,
 * and deletions and membership changes from the System Log. When any part
 * fails it returns no changes and the old cursor, so the caller applies
 * nothing and tries again later.
 */
export async function readOktaChanges(
  context: OktaReadContext,
  settings: IncrementalReadSettings,
  cursorText: string,
  signal?: AbortSignal,
): Promise<DirectoryChanges> {
  const startedAt = context.clock();
  const cursor = decodeCursor(cursorText);
  assertWithinRetention(cursor, startedAt, settings);

  const requestsBefore = context.api.requestCount();
  const collector: ChangeCollector = { userChanges: [], groupChanges: [], logChanges: [], skipped: [], nextSeenEventIds: [] };
  const incompleteReasons: string[] = [];
  const changedSince = new Date(Date.parse(cursor.since) - settings.overlapMs).toISOString();
  const parts: [string, () => Promise<void>][] = [
    ['changed users', () => readChangedUsers(context, changedSince, collector, signal)],
    ['changed groups', () => readChangedGroups(context, changedSince, collector, signal)],
    ['System Log', () => readLogChanges(context, { cursor, startedAt, overlapMs: settings.overlapMs }, collector, signal)],
  ];
  for (const [name, read] of parts) {
    try {
      await read();
    } catch (error) {
      incompleteReasons.push(failureReason(context, name, error, signal));
    }
  }

  const isComplete = incompleteReasons.length === 0;
  const requestCount = context.api.requestCount() - requestsBefore;
  // Changed users and groups come first, so membership events find the
  // groups that were created in the same window.
  const changes = isComplete ? [...collector.userChanges, ...collector.groupChanges, ...collector.logChanges] : [];
  const nextCursor = isComplete
    ? encodeCursor({
        since: startedAt.toISOString(),
        logSince: startedAt.toISOString(),
        seenEventIds: collector.nextSeenEventIds.slice(-MAX_SEEN_EVENT_IDS),
      })
    : cursorText;

  context.logger.info(
    { changes: changes.length, skipped: collector.skipped.length, isComplete, requestCount },
    'okta incremental read finished',
  );
  return { changes, nextCursor, isComplete, incompleteReasons, skipped: collector.skipped, requestCount };
}

function assertWithinRetention(cursor: OktaCursor, now: Date, settings: IncrementalReadSettings): void {
  const oldestMs = Math.min(Date.parse(cursor.since), Date.parse(cursor.logSince)) - settings.overlapMs;
  if (now.getTime() - oldestMs > settings.retentionMs) {
    throw new CursorExpiredError(
      `The Okta cursor from ${cursor.since} is older than the System Log retention of ${Math.round(settings.retentionMs / DAY_MS)} days; a full read is needed.`,
    );
  }
}

/** A `search` on `lastUpdated` returns users of every status, DEPROVISIONED included. */
async function readChangedUsers(context: OktaReadContext, since: string, collector: ChangeCollector, signal: AbortSignal | undefined): Promise<void> {
  const { api, config } = context;
  const search = `lastUpdated gt "${since}"`;
  for await (const raw of api.readAll(() => api.client.userApi.listUsers({ search, limit: config.pageSize }), { signal })) {
    const mapped = mapUser(raw, context.policy);
    if (mapped.ok) {
      collector.userChanges.push({ type: 'user-upserted', user: mapped.value });
    } else {
      collector.skipped.push(mapped.skipped);
    }
  }
}

/** New and renamed groups; a membership change does not touch a group's `lastUpdated`. */
async function readChangedGroups(context: OktaReadContext, since: string, collector: ChangeCollector, signal: AbortSignal | undefined): Promise<void> {
  const { api, config } = context;
  const search = `lastUpdated gt "${since}" and (${GROUP_TYPES_FILTER})`;
  for await (const raw of api.readAll(() => api.client.groupApi.listGroups({ search, limit: config.pageSize }), { signal })) {
    const mapped = mapGroup(raw);
    if (!mapped.ok) {
      collector.skipped.push(mapped.skipped);
    } else if (isGroupTypeInScope(mapped.value.type)) {
      collector.groupChanges.push({ type: 'group-upserted', group: { externalId: mapped.value.externalId, name: mapped.value.name } });
    }
  }
}

/**
 * Reads the System Log from the cursor's `logSince`, less the overlap, and
 * skips events the previous read already applied. This is a polling query
 * (no `until`), so Okta always sends a `next` link and the read stops at the
 * first empty page.
 */
async function readLogChanges(
  context: OktaReadContext,
  window: { cursor: OktaCursor; startedAt: Date; overlapMs: number },
  collector: ChangeCollector,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { api } = context;
  const since = new Date(Date.parse(window.cursor.logSince) - window.overlapMs).toISOString();
  const nextWindowStart = new Date(window.startedAt.getTime() - window.overlapMs);
  const seen = new Set(window.cursor.seenEventIds);
  const filter = LOG_EVENT_TYPES.map((eventType) => `eventType eq "${eventType}"`).join(' or ');
  const events = api.readAll(
    () => api.client.systemLogApi.listLogEvents({ since, filter, limit: LOG_PAGE_SIZE, sortOrder: 'ASCENDING' }),
    { signal, isPolling: true },
  );

  for await (const raw of events) {
    const mapped = mapLogEvent(raw);
    if (!mapped.ok) {
      collector.skipped.push(mapped.skipped);
      continue;
    }
    const event = mapped.value;
    if (event.published >= nextWindowStart) {
      collector.nextSeenEventIds.push(event.uuid);
    }
    if (!seen.has(event.uuid)) {
      seen.add(event.uuid);
      collector.logChanges.push(...event.changes);
    }
  }
}
