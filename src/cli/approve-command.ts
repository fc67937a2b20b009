import { Queue } from 'bullmq';
import { assertRedisReachable, createRedisConnection, SYNC_QUEUE, type SyncJobData } from '../jobs/queues.js';
import { RedisReportStore } from '../jobs/report-store.js';
import { StateStore } from '../jobs/state-store.js';
import { enqueueSync } from '../jobs/sync-worker.js';
import { loadContext } from './context.js';

/**
 * Approves a held plan by id and enqueues a full sync that may apply it. The
 * run re-plans first: it applies only if the new plan has the same id, so an
 * approval never covers changes the operator did not see.
 */
export async function approveCommand(options: { config: string; planId: string; approvedBy: string }): Promise<number> {
  const { config, logger } = loadContext(options.config);
  await assertRedisReachable(config.redis.url);
  const redis = createRedisConnection(config.redis.url);
  const queue = new Queue<SyncJobData>(SYNC_QUEUE, { connection: redis, prefix: config.redis.prefix });
  try {
    const reports = new RedisReportStore({ redis, prefix: config.redis.prefix, keep: config.jobs.keepReports });
    const held = (await reports.list()).find((summary) => summary.outcome === 'held' && summary.planId === options.planId);
    if (!held) {
      process.stderr.write(
        `No held plan has the id ${options.planId}. List held plans on the dashboard or with GET /api/plans/held, and copy the id exactly.\n`,
      );
      return 1;
    }
    await new StateStore(redis, config.redis.prefix).approvePlan(options.planId, options.approvedBy);
    const jobId = await enqueueSync(queue, { mode: 'full', approvedPlanId: options.planId, trigger: 'approval' });
    logger.info({ planId: options.planId, approvedBy: options.approvedBy, jobId }, 'plan approved');
    process.stdout.write(`Approved plan ${options.planId}; sync job ${jobId} will apply it if the directory has not changed since.\n`);
    return 0;
  } finally {
    await queue.close();
    await redis.quit();
  }
}
