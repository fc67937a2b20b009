import { writeFile } from 'node:fs/promises';
import { createLogger } from '../logging.js';
import { createRedisConnection } from '../jobs/queues.js';
import { StateStore } from '../jobs/state-store.js';
import { readAndPlan } from '../jobs/sync-run.js';
import { planExitCode, renderPlanHtml, renderPlanMarkdown, toPlanJson } from '../reports/index.js';
import { createConnector, createOrganizationClient } from './components.js';
import { loadContext } from './context.js';

import type { Logger } from '../logging.js';

export type PlanFormat = 'markdown' | 'json' | 'html';

/**
 * Prints the plan a full sync would apply now, and changes nothing. Reads the
 * deactivation ledger from Redis when it is reachable, so the delete grace
 * period shows as the daemon would apply it.
 */
export async function planCommand(options: { config: string; format: PlanFormat; output?: string }): Promise<number> {
  const context = loadContext(options.config);
  // Logs go to stderr so that stdout carries only the report.
  const logger = createLogger({ level: context.config.logging.level, destination: process.stderr });
  const redis = createRedisConnection(context.config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    const client = createOrganizationClient(context.config, context.secrets, logger);
    const { plan, directory } = await readAndPlan(
      {
        config: context.config,
        connector: createConnector(context.config, context.secrets, logger),
        client,
        state: {
          deactivations: () => readDeactivations(new StateStore(redis, context.config.redis.prefix), logger),
          cursor: async () => undefined,
          directory: async () => undefined,
        },
        logger,
      },
      { mode: 'full' },
    );

    const emails = context.config.policy.reportEmails;
    const text =
      options.format === 'json'
        ? `${JSON.stringify(toPlanJson(plan, { emails }), null, 2)}\n`
        : options.format === 'html'
          ? renderPlanHtml(plan, { emails })
          : renderPlanMarkdown(plan, { emails });
    if (options.output) {
      await writeFile(options.output, text);
    } else {
      process.stdout.write(text);
    }
    if (!plan.isSourceComplete) {
      const reasons = directory.snapshot.incompleteReasons;
      // Connector reasons can carry long request URLs, so each is cut to keep the line readable; the logs have them whole.
      const why = reasons.length > 0 ? reasons.map((reason) => shorten(reason, 160)).join('; ') : 'it returned no users';
      process.stderr.write(
        `error: the IdP read was incomplete (${why}), so the plan withholds every removal and may miss users. Check source in the configuration (URL, credentials, scope), then plan again.\n`,
      );
    }
    return planExitCode(plan);
  } finally {
    redis.disconnect();
  }
}

/** Reads the deactivation ledger, or returns none when Redis is not reachable: a dry run must not need Redis. */
async function readDeactivations(state: StateStore, logger: Logger): Promise<Map<string, string>> {
  try {
    return await state.deactivations();
  } catch (error) {
    logger.warn({ err: error }, 'Redis not reachable; planning without the deactivation ledger, so no delete after a grace period is shown');
    return new Map();
  }
}

function shorten(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
