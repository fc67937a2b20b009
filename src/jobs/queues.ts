import { Redis, type RedisOptions } from 'ioredis';
import { ConfigurationError } from '../errors/index.js';

/** Queue names under the configured prefix. */
export const SYNC_QUEUE = 'sync';
export const OPERATIONS_QUEUE = 'operations';

/** Job names of the sync queue. */
export type SyncMode = 'full' | 'incremental';

/** The payload of a sync job. It never carries a secret or a user record. */
export interface SyncJobData {
  mode: SyncMode;
  /** Set by `approve`: a plan with this id is applied even if it crosses a safety threshold. */
  approvedPlanId?: string;
  /** The origin of the run: `schedule`, `dashboard`, `cli` or `approval`. */
  trigger?: string;
}

/** Scheduler ids; `upsertJobScheduler` with the same id is idempotent across replicas. */
export const FULL_SYNC_SCHEDULER_ID = 'full-sync-schedule';
export const INCREMENTAL_SYNC_SCHEDULER_ID = 'incremental-sync-schedule';

/**
 * Opens an ioredis connection for BullMQ. Workers need
 * `maxRetriesPerRequest: null` (BullMQ throws otherwise), and queues are fine
 * with it, so every connection uses it.
 */
export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

const REDIS_CHECK_TIMEOUT_MS = 5_000;

/**
 * Checks once that Redis replies to PING, so a process started against a wrong
 * URL fails at once with a clear message. BullMQ connections retry forever,
 * which is right for an outage after start but hides a typo before it.
 */
export async function assertRedisReachable(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: REDIS_CHECK_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The socket error arrives as an event, and connect() then rejects only with "Connection is closed".
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => {
    socketError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = socketError ?? (error as NodeJS.ErrnoException);
    const reason = cause.code ?? cause.message;
    throw new ConfigurationError(
      `Cannot reach Redis at ${describeRedisUrl(url)} (${reason}). Start Redis there, or set REDIS_URL or redis.url to a reachable server.`,
      { cause },
    );
  } finally {
    client.disconnect();
  }
}

/** Returns the host and port of a Redis URL, without any password it contains. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'the configured URL';
  }
}
