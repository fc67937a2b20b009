import type { Logger } from '../../logging.js';
import type { OktaSourceConfig } from '../../config/schema.js';
import type { Secret } from '../../config/secret.js';
import type { DirectorySnapshot, IncrementalDirectoryConnector } from '../../domain/directory.js';
import { createOktaApi, type RequestCounter } from './client.js';
import { encodeCursor } from './cursor.js';
import { readOktaDirectory } from './full-read.js';
import { readOktaChanges } from './incremental-read.js';
import type { OktaReadContext } from './read-context.js';

export interface OktaConnectorOptions {
  config: OktaSourceConfig;
  token: Secret;
  logger: Logger;
  /** Incremented once per HTTP request, retries included. */
  fetchCount?: RequestCounter;
  /** The connector's clock, for `readAt`, cursors and the retention check. */
  clock?: () => Date;
  /** Waits between retries of a failed page. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * How long the org keeps System Log events: 90 days by default, Okta's
   * documented retention. An older cursor raises `CursorExpiredError`.
   */
  logRetentionMs?: number;
  /**
   * How far each incremental read reaches back before the cursor time, to
   * catch changes Okta indexed late, because its `search` is eventually
   * consistent. Users and groups in the window are read again, which is
   * harmless, and System Log events are de-duplicated by uuid. Two minutes by
   * default.
   */
  overlapMs?: number;
}

const DEFAULT_LOG_RETENTION_MS = 90 * 86_400_000;
const DEFAULT_OVERLAP_MS = 2 * 60_000;

/** Creates the Okta connector: full reads through the management API, incremental reads through `lastUpdated` and the System Log. */
export function createOktaConnector(options: OktaConnectorOptions): IncrementalDirectoryConnector {
  const { config } = options;
  const context: OktaReadContext = {
    api: createOktaApi({ config, token: options.token, fetchCount: options.fetchCount, sleep: options.sleep }),
    config,
    logger: options.logger.child({ connector: 'okta' }),
    clock: options.clock ?? (() => new Date()),
    policy: { provisionPendingUsers: config.provisionPendingUsers },
  };
  const settings = {
    retentionMs: options.logRetentionMs ?? DEFAULT_LOG_RETENTION_MS,
    overlapMs: options.overlapMs ?? DEFAULT_OVERLAP_MS,
  };

  const readFull = (readOptions: { signal?: AbortSignal } = {}): Promise<DirectorySnapshot> =>
    readOktaDirectory(context, readOptions.signal);

  return {
    source: 'okta',
    readFull,
    async readFullWithCursor(readOptions = {}) {
      // The cursor time is taken before the read, so a change made while the
      // read runs is read again by the next incremental read instead of lost.
      const cursorTime = context.clock().toISOString();
      const snapshot = await readFull(readOptions);
      return { snapshot, cursor: encodeCursor({ since: cursorTime, logSince: cursorTime, seenEventIds: [] }) };
    },
    readChanges: (cursor, readOptions = {}) => readOktaChanges(context, settings, cursor, readOptions.signal),
  };
}
