import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseDurationMs } from '../config/duration.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../logging.js';
import {
  FULL_SYNC_SCHEDULER_ID,
  INCREMENTAL_SYNC_SCHEDULER_ID,
  SYNC_QUEUE,
  type SyncJobData,
} from './queues.js';
import { runSync, type SyncDependencies } from './sync-run.js';

/** Starts the worker that runs sync jobs. */
export function startSyncWorker(options: { connection: Redis; prefix: string; dependencies: SyncDependencies }): Worker<SyncJobData> {
  const { dependencies } = options;
  const worker = new Worker<SyncJobData>(
    SYNC_QUEUE,
    async (job) => {
      const report = await runSync(
        { ...dependencies, logger: dependencies.logger.child({ jobId: job.id }) },
        { mode: job.data.mode, approvedPlanId: job.data.approvedPlanId },
      );
      return { runId: report.runId, outcome: report.outcome, planId: report.plan.id };
    },
    // A run mostly waits on the operations queue, so one at a time per replica is plenty.
    { connection: options.connection, prefix: options.prefix, concurrency: 1 },
  );
  worker.on('error', (error) => dependencies.logger.error({ err: error }, 'sync worker error'));
  worker.on('failed', (job, error) =>
    dependencies.logger.error({ err: error, jobId: job?.id, mode: job?.data.mode }, 'sync job failed'),
  );
  return worker;
}

/**
 * Makes the sync queue run one job at a time across every replica, and
 * installs the schedules. Both calls are idempotent, so each replica makes
 * them at start without coordination; the last configuration wins.
 */
export async function installSchedules(queue: Queue<SyncJobData>, schedule: Config['schedule'], logger: Logger): Promise<void> {
  await queue.setGlobalConcurrency(1);

  const fullEveryMs = parseDurationMs(schedule.fullSyncEvery);
  await queue.upsertJobScheduler(
    FULL_SYNC_SCHEDULER_ID,
    { every: fullEveryMs },
    { name: 'full-sync', data: { mode: 'full', trigger: 'schedule' }, opts: { removeOnComplete: 50, removeOnFail: 50 } },
  );

  if (schedule.incrementalSyncEvery === undefined) {
    await queue.removeJobScheduler(INCREMENTAL_SYNC_SCHEDULER_ID);
  } else {
    await queue.upsertJobScheduler(
      INCREMENTAL_SYNC_SCHEDULER_ID,
      { every: parseDurationMs(schedule.incrementalSyncEvery) },
      {
        name: 'incremental-sync',
        data: { mode: 'incremental', trigger: 'schedule' },
        opts: { removeOnComplete: 50, removeOnFail: 50 },
      },
    );
  }
  logger.info({ fullSyncEvery: schedule.fullSyncEvery, incrementalSyncEvery: schedule.incrementalSyncEvery ?? null }, 'sync schedules installed');
}

/** Adds a one-off sync job, for the dashboard, the CLI and approvals. */
export async function enqueueSync(queue: Queue<SyncJobData>, data: SyncJobData): Promise<string> {
  const job = await queue.add(data.mode === 'full' ? 'full-sync' : 'incremental-sync', data, {
    removeOnComplete: 50,
    removeOnFail: 50,
  });
  return job.id ?? '';
}
