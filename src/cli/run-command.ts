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
  await client.discover();

  const daemon = await startDaemon({
    config,
    secrets,
    logger,
    metrics,
    connector: createConnector(config, secrets, logger),
    client,
    schedule: !options.once,
  });

  if (options.once) {
    const report = await daemon.syncAndWait('full', { trigger: 'cli' });
    await daemon.stop();
    return report.outcome === 'failed' ? 1 : 0;
  }

  const server = await createOperatorServer({ config, secrets, daemon, metrics, logger });
  await server.listen({ host: config.server.host, port: config.server.port });
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
