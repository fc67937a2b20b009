import { Queue, QueueEvents, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OrganizationClient } from '../ably/organization-client.js';
import type { Secrets } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { DirectoryConnector } from '../domain/directory.js';
import type { Logger } from '../logging.js';
import type { RunReport } from '../reports/types.js';
import type { SyncMetrics } from '../server/metrics.js';
import { startOperationWorker, type OperationJobData } from './operation-worker.js';
import { assertRedisReachable, createRedisConnection, OPERATIONS_QUEUE, SYNC_QUEUE, type SyncJobData, type SyncMode } from './queues.js';
import { RedisReportStore } from './report-store.js';
import { StateStore } from './state-store.js';
import { enqueueSync, installSchedules, startSyncWorker } from './sync-worker.js';
import type { SyncDependencies } from './sync-run.js';

/** The parts a daemon is built from. Connector and client are passed in so tests and the demo can aim them at local servers. */
export interface DaemonOptions {
  config: Config;
  secrets: Secrets;
  logger: Logger;
  connector: DirectoryConnector;
  client: OrganizationClient;
  metrics: SyncMetrics;
  /** Install the configured schedules. Off for one-shot runs. */
  schedule?: boolean;
  /** Run the workers in this process. Off for a process that only enqueues, such as `approve`. */
  work?: boolean;
  /** The clock of runs and of the deactivation ledger. Tests move it past the delete grace period. */
  now?: () => Date;
  /** The first BullMQ retry delay of an operation job, as in `SyncDependencies.operationBackoffMs`. */
  operationBackoffMs?: number;
}

/** A running daemon: queues, workers, and the stores the server reads. */
export interface Daemon {
  syncQueue: Queue<SyncJobData>;
  operationsQueue: Queue<OperationJobData>;
  state: StateStore;
  reports: RedisReportStore;
  redis: Redis;
  /** The workers running in this process; empty when `work` is off. */
  workers: Worker[];
  /** Enqueues a sync and returns its job id. */
  requestSync(mode: SyncMode, extra?: Partial<SyncJobData>): Promise<string>;
  /** Enqueues a sync and waits for its report. */
  syncAndWait(mode: SyncMode, extra?: Partial<SyncJobData>): Promise<RunReport>;
  /** Closes the workers (letting running jobs finish), the queues and Redis. */
  stop(): Promise<void>;
}

/** Starts the queues, and the workers unless `work` is off. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { config, logger } = options;
  const prefix = config.redis.prefix;
  await assertRedisReachable(config.redis.url);
  const redis = createRedisConnection(config.redis.url);
  redis.on('error', (error) => logger.error({ err: error }, 'redis connection error'));

  const syncQueue = new Queue<SyncJobData>(SYNC_QUEUE, { connection: redis, prefix });
  const operationsQueue = new Queue<OperationJobData>(OPERATIONS_QUEUE, { connection: redis, prefix });
  const state = new StateStore(redis, prefix);
  const reports = new RedisReportStore({
    redis,
    prefix,
    keep: config.jobs.keepReports,
    directory: config.jobs.reportDirectory,
    emails: config.policy.reportEmails,
  });

  const dependencies: SyncDependencies = {
    config,
    connector: options.connector,
    client: options.client,
    state,
    reports,
    operations: operationsQueue,
    metrics: options.metrics,
    logger,
    now: options.now,
    operationBackoffMs: options.operationBackoffMs,
  };

  const workers: Worker[] = [];
  if (options.work ?? true) {
    workers.push(
      startOperationWorker({
        connection: redis,
        prefix,
        concurrency: config.jobs.operationConcurrency,
        client: options.client,
        state,
        metrics: options.metrics,
        logger,
        adoptExisting: config.policy.adoptExisting,
        now: options.now,
      }),
      startSyncWorker({ connection: redis, prefix, dependencies }),
    );
  }
  // Without this, replicas started without schedules (`run --once`, tests)
  // would each run a sync at the same time.
  await syncQueue.setGlobalConcurrency(1);
  if (options.schedule ?? false) {
    await installSchedules(syncQueue, config.schedule, logger);
  }
  reinstallAfterRedisLoss({ redis, syncQueue, config, logger, schedule: options.schedule ?? false });

  const requestSync = (mode: SyncMode, extra: Partial<SyncJobData> = {}) => enqueueSync(syncQueue, { trigger: 'cli', ...extra, mode });

  return {
    syncQueue,
    operationsQueue,
    state,
    reports,
    redis,
    workers,
    requestSync,
    async syncAndWait(mode, extra) {
      // QueueEvents blocks on its connection, so it gets its own; BullMQ leaves a passed-in connection open.
      const eventsConnection = redis.duplicate();
      const events = new QueueEvents(SYNC_QUEUE, { connection: eventsConnection, prefix });
      try {
        await events.waitUntilReady();
        const jobId = await requestSync(mode, extra);
        const job = await syncQueue.getJob(jobId);
        if (!job) {
          throw new Error(`Sync job ${jobId} vanished before it finished.`);
        }
        const result = (await job.waitUntilFinished(events)) as { runId: string };
        const report = await reports.get(result.runId);
        if (!report) {
          throw new Error(`The report of run ${result.runId} is missing from Redis.`);
        }
        return report;
      } finally {
        await events.close();
        eventsConnection.disconnect();
      }
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.close()));
      await syncQueue.close();
      await operationsQueue.close();
      await redis.quit().catch(() => redis.disconnect());
      logger.info('daemon stopped');
    },
  };
}

/**
 * Installs the global concurrency limit and the schedules again each time the
 * connection is ready after a reconnect. Both live in Redis, so a Redis that
 * restarted without persistence has lost them, and the running process would
 * otherwise never sync on schedule again and could run syncs side by side.
 * Both calls are idempotent, so doing this after a mere network blip is harmless.
 */
function reinstallAfterRedisLoss(options: {
  redis: Redis;
  syncQueue: Queue<SyncJobData>;
  config: Config;
  logger: Logger;
  schedule: boolean;
}): void {
  const { redis, syncQueue, config, logger } = options;
  redis.on('ready', () => {
    const reinstall = options.schedule
      ? installSchedules(syncQueue, config.schedule, logger)
      : syncQueue.setGlobalConcurrency(1);
    reinstall.catch((error: unknown) => logger.error({ err: error }, 'reinstalling the sync queue settings after a Redis reconnect failed'));
  });
}
