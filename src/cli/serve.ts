import type { FastifyInstance } from 'fastify';
import type { Secrets } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Daemon } from '../jobs/daemon.js';
import type { Logger } from '../logging.js';
import { renderRunReport } from '../reports/index.js';
import { checkRedis, checkWorkers } from '../server/health.js';
import type { SyncMetrics } from '../server/metrics.js';
import { createServer } from '../server/server.js';

/** Builds the operator server on top of a running daemon. */
export async function createOperatorServer(options: {
  config: Config;
  secrets: Secrets;
  daemon: Daemon;
  metrics: SyncMetrics;
  logger: Logger;
}): Promise<FastifyInstance> {
  const { config, daemon, logger } = options;
  const emails = config.policy.reportEmails;

  return createServer({
    logger,
    adminToken: options.secrets.adminToken,
    queues: [daemon.syncQueue, daemon.operationsQueue],
    metrics: options.metrics,
    reports: daemon.reports,
    async health() {
      const [latest] = await daemon.reports.list(1);
      return {
        checks: [await checkRedis(daemon.redis), checkWorkers(daemon.workers)],
        lastSuccessfulSyncAt: latest && latest.outcome !== 'failed' ? latest.finishedAt : undefined,
      };
    },
    actions: {
      async resync(mode) {
        return { jobId: await daemon.requestSync(mode, { trigger: 'dashboard' }) };
      },
      async approvePlan(planId, approvedBy) {
        const held = (await daemon.reports.list()).find((summary) => summary.outcome === 'held' && summary.planId === planId);
        if (!held) {
          return undefined;
        }
        await daemon.state.approvePlan(planId, approvedBy);
        logger.info({ planId, approvedBy }, 'plan approved');
        return { jobId: await daemon.requestSync('full', { approvedPlanId: planId, trigger: 'approval' }) };
      },
      async listHeldPlans() {
        return (await daemon.reports.list()).filter((summary) => summary.outcome === 'held');
      },
    },
    renderReport: (report, format) => renderRunReport(report, format, emails),
  });
}
