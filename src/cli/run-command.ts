import { PLAN_EXIT_CODES } from '../reports/index.js';
import type { RunReport } from '../reports/types.js';
import { createMetrics } from '../server/metrics.js';
import { startDaemon } from '../jobs/daemon.js';
import { createConnector, createOrganizationClient } from './components.js';
import { loadContext } from './context.js';
import { createOperatorServer } from './serve.js';

/**
 * Runs the daemon until SIGTERM or SIGINT: schedules, workers and the
 * operator server. On a signal it stops taking jobs, lets running ones
 * finish, and exits 0.
 */
export async function runCommand(options: { config: string; once?: boolean }): Promise<number> {
  const { config, secrets, logger } = loadContext(options.config);
  const metrics = createMetrics();
  const client = createOrganizationClient(config, secrets, logger);
  // startDaemon checks Redis first, so a wrong Redis URL fails before any SCIM request.
  const daemon = await startDaemon({
    config,
    secrets,
    logger,
    metrics,
    connector: createConnector(config, secrets, logger),
    client,
    schedule: !options.once,
  });
  try {
    // Reading the provider's capabilities now turns a wrong SCIM URL or password into an error at start.
    await client.discover();
  } catch (error) {
    await daemon.stop();
    throw error;
  }

  if (options.once) {
    const report = await daemon.syncAndWait('full', { trigger: 'cli' });
    await daemon.stop();
    return runExitCode(report);
  }

  const server = await createOperatorServer({ config, secrets, daemon, metrics, logger });
  try {
    await server.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  if (!secrets.adminToken) {
    logger.warn({ variable: config.server.adminTokenEnv }, 'no admin token set; the dashboard and admin API return 503 until one is set');
  }
  logger.info({ host: config.server.host, port: config.server.port }, 'daemon started');

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  await daemon.stop();
  return 0;
}

/**
 * Returns the exit code of `run --once`, with the meanings `plan` uses. It is
 * 0 when the organization is in step and 3 when the plan is held for approval.
 * It is 1 when the run failed, read only part of the IdP, or had failed operations.
 */
export function runExitCode(report: RunReport): number {
  if (report.outcome === 'held') {
    return PLAN_EXIT_CODES.held;
  }
  const hasFailures = report.outcome === 'failed' || (report.results?.failed ?? 0) > 0;
  return hasFailures || !report.plan.isSourceComplete ? PLAN_EXIT_CODES.error : PLAN_EXIT_CODES.noChanges;
}
