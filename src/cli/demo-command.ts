import { randomBytes } from 'node:crypto';
import type { Secrets } from '../config/load.js';
import { Secret } from '../config/secret.js';
import type { Config } from '../config/schema.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { startDaemon, type Daemon } from '../jobs/daemon.js';
import { readAndPlan } from '../jobs/sync-run.js';
import type { DirectorySnapshot } from '../domain/directory.js';
import type { DesiredState } from '../reconcile/index.js';
import { isActionableOperation } from '../reconcile/index.js';
import { createLogger } from '../logging.js';
import type { RunReport } from '../reports/types.js';
import { RedisServer } from '../sandbox/redis-server.js';
import { createSampleDirectory } from '../sandbox/sample-directory.js';
import { createMetrics } from '../server/metrics.js';
import { createOrganizationClient } from './components.js';
import { loadDemoConfig, startDemoSource, type DemoSourceKind } from './demo-sources.js';
import { createOperatorServer } from './serve.js';

/**
 * Runs the main job on an embedded default: a sample directory served by a
 * local Okta or Graph server (`source`), the Ably emulator as the target, and
 * the Redis at REDIS_URL or a private redis-server. Prints the dry-run plan,
 * applies it through BullMQ, syncs again to show that nothing is left to do,
 * and stops what it started.
 */
export async function demoCommand(options: { keepRunning?: boolean; users: number; source: DemoSourceKind }): Promise<number> {
  const print = (line = '') => process.stdout.write(`${line}\n`);
  // Operators read the printed summary; the JSON logs go to stderr, warnings and errors only.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: process.stderr });
  const stack: (() => Promise<void>)[] = [];

  try {
    const redisUrl = process.env.REDIS_URL ?? (await startPrivateRedis(stack));
    const base = loadDemoConfig(options.source);
    // A throwaway local target: with --keep-running the demo prints these so the emulator's admin page can be opened.
    const credentials = { username: 'demo-scim', password: randomBytes(12).toString('hex') };

    const emulator = await startEmulator({
      domain: base.organization.domain,
      accounts: base.organization.accounts,
      primaryAccount: base.organization.primaryAccount,
      credentials,
      logger,
    });
    stack.push(() => emulator.close());
    const idp = await startDemoSource(options.source, {
      directory: createSampleDirectory({ userCount: options.users }),
      base,
      logger,
    });
    stack.push(() => idp.close());

    const config: Config = {
      ...idp.config,
      ably: { ...idp.config.ably, scimBaseUrl: emulator.scimBaseUrl },
      redis: { url: redisUrl, prefix: `demo-${randomBytes(4).toString('hex')}` },
    };
    const secrets: Secrets = {
      ...idp.secrets,
      scimUsername: new Secret(credentials.username),
      scimPassword: new Secret(credentials.password),
      adminToken: new Secret(process.env.ADMIN_TOKEN ?? randomBytes(12).toString('hex')),
    };
    printAligned(print, [
      [`${idp.label} (sample, ${options.users} users):`, idp.url],
      ['Ably emulator:', emulator.scimBaseUrl],
      ['Redis:', redisUrl.replace(/\/\/[^@]*@/, '//')],
    ]);

    const metrics = createMetrics({ collectDefault: false });
    const connector = idp.connector;
    const client = createOrganizationClient(config, secrets, logger);
    await client.discover();
    const daemon = await startDaemon({ config, secrets, logger, metrics, connector, client });
    stack.push(() => daemon.stop());

    const { plan, desired, directory } = await readAndPlan({ config, connector, client, state: daemon.state, logger }, { mode: 'full' });
    print();
    print(describeScope(directory.snapshot, desired));
    print(`Dry-run plan ${plan.id}: ${describeCounts(plan.counts)}`);

    emulator.resetStats();
    const first = await daemon.syncAndWait('full', { trigger: 'demo' });
    const firstWrites = emulator.stats().writes;
    printRun('First sync', first, firstWrites, print);

    emulator.resetStats();
    const second = await daemon.syncAndWait('full', { trigger: 'demo' });
    printRun('Second sync', second, emulator.stats().writes, print);

    const organization = emulator.organization();
    print();
    print(
      `The emulated organization now has ${organization.users.filter((user) => user.active).length} active users, ` +
        `${organization.users.filter((user) => !user.active).length} inactive users and ${organization.groups.length} groups.`,
    );

    if (options.keepRunning) {
      await keepRunning({ config, secrets, daemon, metrics, logger, emulator, credentials, print });
    }
    const changes = first.plan.operations.filter(isActionableOperation).length;
    return first.outcome === 'failed' || (changes > 0 && first.results?.applied === 0) ? 1 : 0;
  } finally {
    for (const close of stack.reverse()) {
      await close().catch((error: unknown) => logger.warn({ err: error }, 'demo cleanup failed'));
    }
  }
}

async function startPrivateRedis(stack: (() => Promise<void>)[]): Promise<string> {
  const redis = await RedisServer.start();
  stack.push(() => redis.dispose());
  return redis.url;
}

function printAligned(print: (line?: string) => void, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  for (const [label, value] of rows) {
    print(`${label.padEnd(width)}${value}`);
  }
}

function printRun(label: string, report: RunReport, writes: number, print: (line?: string) => void): void {
  const results = report.results;
  print();
  print(`${label} (${report.runId}): ${report.outcome}, ${writes} SCIM write requests`);
  const changes = report.plan.operations.filter(isActionableOperation).length;
  const checks = report.plan.counts['domain-check'] ?? 0;
  print(
    changes > 0
      ? `  operations: ${describeCounts(report.plan.counts)}`
      : `  nothing to change${checks > 0 ? `; ${checks} domain-check rejections recorded, never sent to Ably` : ''}`,
  );
  if (results) {
    print(`  applied ${results.applied}, skipped ${results.skipped}, failed ${results.failed}`);
    for (const failure of results.failures.slice(0, 5)) {
      print(`  failed: ${failure.operation}: ${failure.error}`);
    }
  }
}

function describeCounts(counts: Partial<Record<string, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  return parts.length > 0 ? parts.join(', ') : 'no operations';
}

async function keepRunning(options: {
  config: Config;
  secrets: Secrets;
  daemon: Daemon;
  metrics: ReturnType<typeof createMetrics>;
  logger: ReturnType<typeof createLogger>;
  emulator: RunningEmulator;
  credentials: { username: string; password: string };
  print: (line?: string) => void;
}): Promise<void> {
  const server = await createOperatorServer(options);
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  // These are a local sandbox's throwaway credentials, printed so the pages can be opened; the daemon never prints real ones.
  const dashboardPassword = process.env.ADMIN_TOKEN ? 'the ADMIN_TOKEN you set' : (options.secrets.adminToken?.reveal() ?? '');
  options.print();
  options.print(`Dashboard:      ${address}/admin (any user name, password ${dashboardPassword})`);
  options.print(`Emulator admin: ${options.emulator.url}/admin (user ${options.credentials.username}, password ${options.credentials.password})`);
  options.print('Press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
}

/** Explains how the directory's users became the plan's users: how many are in scope, and why the rest are not. */
function describeScope(directory: DirectorySnapshot, desired: DesiredState): string {
  const directoryUsers = directory.users.length;
  const skippedUsers = directory.skipped.filter((object) => object.kind === 'user').length;
  const reasons = new Map<string, number>();
  for (const user of desired.outOfScope) {
    reasons.set(user.reason, (reasons.get(user.reason) ?? 0) + 1);
  }
  if (desired.domainRejections.length > 0) {
    reasons.set('foreign-domain', desired.domainRejections.length);
  }
  const suspended = [...desired.users.values()].filter((user) => !user.active).length;
  const parts = [...reasons].sort(([left], [right]) => left.localeCompare(right)).map(([reason, count]) => `${count} ${reason}`);
  return (
    `Directory: ${directoryUsers} users${skippedUsers > 0 ? ` (and ${skippedUsers} the connector skipped, such as guests or users without a usable email; the plan lists them)` : ''}; in scope ${desired.users.size - suspended} active and ${suspended} suspended (a suspended user with no Ably user yet is not created)` +
    (parts.length > 0 ? `; left out: ${parts.join(', ')}` : '')
  );
}
