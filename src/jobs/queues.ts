import { Redis, type RedisOptions } from 'ioredis';

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
  /** Who asked for the run: `schedule`, `dashboard`, `cli`, `approval`. */
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
