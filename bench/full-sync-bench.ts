import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { OrganizationClient } from '../src/ably/organization-client.js';
import { createConnector, createOrganizationClient } from '../src/cli/components.js';
import { loadConfigFile, type Secrets } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { Secret } from '../src/config/secret.js';
import type { DirectoryConnector } from '../src/domain/directory.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { startDaemon, type Daemon } from '../src/jobs/daemon.js';
import { createLogger } from '../src/logging.js';
import { isActionableOperation } from '../src/reconcile/index.js';
import type { RunReport } from '../src/reports/types.js';
import { RedisServer } from '../src/sandbox/redis-server.js';
import { startOktaServer, type OktaServer } from '../src/sandbox/okta-server.js';
import { createSampleDirectory } from '../src/sandbox/sample-directory.js';
import { createMetrics } from '../src/server/metrics.js';
import { CallRecorder, type MethodCalls } from './call-recorder.js';
import { formatCount, formatMib, formatMs, markdownTable, RssSampler, timed } from './measure.js';
import type { Benchmark, BenchOptions } from './options.js';

const DEFAULT_USERS = [1_000, 5_000];
const DEFAULT_CONCURRENCY = [8, 32];
/** A cycle that takes longer than this is abandoned and the benchmark fails. */
const CYCLE_TIMEOUT_MS = 10 * 60_000;
/** Client methods that read the whole organization, as opposed to the per-operation calls of the workers. */
const WHOLE_READ_METHODS = new Set(['discover', 'readOrganization', 'requestStats']);

interface CycleRow {
  users: number;
  concurrency: number;
  cycle: 'first' | 'second';
  outcome: RunReport['outcome'];
  wallMs: number;
  idpReadMs: number;
  scimReadMs: number;
  applyWindowMs: number;
  actionable: number;
  applied: number;
  failed: number;
  clientCallsPerOperation: number;
  scimByMethod: Record<string, number>;
  /** Worker calls to the `OrganizationClient`, by method. */
  clientCalls: Map<string, MethodCalls>;
  /** `performance.now()` when the cycle was requested, so call times can be shown relative to it. */
  startMs: number;
  rssPeakBytes: number;
}

/** Everything one case starts, so it can be stopped in one place. */
interface SyncCase {
  okta: OktaServer;
  emulator: RunningEmulator;
  daemon: Daemon;
  recorder: CallRecorder;
}

/**
 * Two full sync cycles through BullMQ on a private redis-server: the first
 * against an empty organization, the second with nothing to change.
 */
export const fullSyncBenchmark: Benchmark = {
  name: 'full-sync',
  description: 'Okta → emulator full sync through BullMQ: first and no-change second cycle',
  async run(options) {
    const redis = await RedisServer.start();
    const rows: CycleRow[] = [];
    try {
      for (const users of options.users ?? DEFAULT_USERS) {
        for (const concurrency of options.concurrency ?? DEFAULT_CONCURRENCY) {
          rows.push(...(await measureCase({ users, concurrency, redisUrl: redis.url, options })));
        }
      }
    } finally {
      await redis.dispose();
    }
    return render(rows, options);
  },
};

async function measureCase(settings: { users: number; concurrency: number; redisUrl: string; options: BenchOptions }): Promise<CycleRow[]> {
  const syncCase = await startCase(settings);
  try {
    const rows: CycleRow[] = [];
    for (const cycle of ['first', 'second'] as const) {
      rows.push(await measureCycle(syncCase, { ...settings, cycle }));
    }
    return rows;
  } finally {
    await syncCase.daemon.stop();
    await syncCase.okta.close();
    await syncCase.emulator.close();
  }
}

async function startCase(settings: { users: number; concurrency: number; redisUrl: string; options: BenchOptions }): Promise<SyncCase> {
  const logger = createLogger({ level: 'silent' });
  const base = loadConfigFile(fileURLToPath(new URL('../config/sample.yaml', import.meta.url)));
  if (base.source.kind !== 'okta') {
    throw new Error('config/sample.yaml must use an okta source for the full-sync benchmark');
  }
  const credentials = { username: 'bench', password: randomBytes(12).toString('hex') };
  const token = randomBytes(16).toString('hex');

  const emulator = await startEmulator({
    domain: base.organization.domain,
    accounts: base.organization.accounts,
    primaryAccount: base.organization.primaryAccount,
    credentials,
  });
  const okta = await startOktaServer({ directory: createSampleDirectory({ userCount: settings.users }), token });

  const config: Config = {
    ...base,
    source: { ...base.source, orgUrl: okta.url, maxRetries: 1 },
    ably: { ...base.ably, scimBaseUrl: emulator.scimBaseUrl, requestsPerSecond: settings.options.requestsPerSecond },
    redis: { url: settings.redisUrl, prefix: `bench-${randomUUID().slice(0, 8)}` },
    jobs: { ...base.jobs, operationConcurrency: settings.concurrency },
  };
  const secrets: Secrets = {
    oktaToken: new Secret(token),
    scimUsername: new Secret(credentials.username),
    scimPassword: new Secret(credentials.password),
  };

  const recorder = new CallRecorder();
  const connector: DirectoryConnector = recorder.instrument(createConnector(config, secrets, logger), 'connector');
  const client: OrganizationClient = recorder.instrument(createOrganizationClient(config, secrets, logger), 'client');
  await client.discover();
  const daemon = await startDaemon({ config, secrets, logger, metrics: createMetrics({ collectDefault: false }), connector, client });
  return { okta, emulator, daemon, recorder };
}

async function measureCycle(
  syncCase: SyncCase,
  settings: { users: number; concurrency: number; cycle: CycleRow['cycle'] },
): Promise<CycleRow> {
  const { emulator, daemon, recorder } = syncCase;
  recorder.reset();
  emulator.resetStats();
  const sampler = new RssSampler();
  sampler.start();
  const startMs = performance.now();
  let run: { result: RunReport; ms: number };
  let rssPeakBytes: number;
  try {
    run = await timed(() => withTimeout(daemon.syncAndWait('full'), CYCLE_TIMEOUT_MS));
  } finally {
    rssPeakBytes = sampler.stop();
  }
  const report = run.result;

  const clientCalls = recorder.callsOf('client');
  const operationCalls = [...clientCalls].filter(([method]) => !WHOLE_READ_METHODS.has(method)).map(([, calls]) => calls);
  const actionable = report.plan.operations.filter(isActionableOperation).length;
  const operationCallCount = operationCalls.reduce((sum, calls) => sum + calls.count, 0);

  return {
    users: settings.users,
    concurrency: settings.concurrency,
    cycle: settings.cycle,
    outcome: report.outcome,
    wallMs: run.ms,
    idpReadMs: totalMs(recorder.callsOf('connector')),
    scimReadMs: clientCalls.get('readOrganization')?.totalMs ?? 0,
    applyWindowMs: windowMs(operationCalls),
    actionable,
    applied: report.results?.applied ?? 0,
    failed: report.results?.failed ?? 0,
    clientCallsPerOperation: actionable === 0 ? 0 : operationCallCount / actionable,
    scimByMethod: emulator.stats().byMethod,
    clientCalls: new Map([...clientCalls].filter(([method]) => !WHOLE_READ_METHODS.has(method))),
    startMs,
    rssPeakBytes,
  };
}

function totalMs(calls: Map<string, MethodCalls>): number {
  return [...calls.values()].reduce((sum, entry) => sum + entry.totalMs, 0);
}

/** Returns the time from the first worker call's start to the last one's end, which is when operations were applied. */
function windowMs(calls: readonly MethodCalls[]): number {
  if (calls.length === 0) return 0;
  const start = Math.min(...calls.map((entry) => entry.firstStartMs));
  const end = Math.max(...calls.map((entry) => entry.lastEndMs));
  return end - start;
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The sync cycle timed out after ${timeoutMs / 1000} s. Try fewer users with --users.`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function render(rows: readonly CycleRow[], options: BenchOptions): string {
  const table = markdownTable(
    ['users', 'concurrency', 'cycle', 'outcome', 'wall ms', 'Okta read ms', 'SCIM read ms', 'apply window ms', 'other ms', 'actionable ops', 'applied', 'failed', 'ops/s', 'client calls per op', 'SCIM requests by method', 'peak RSS MiB'],
    rows.map((row) => {
      const otherMs = row.wallMs - row.idpReadMs - row.scimReadMs - row.applyWindowMs;
      const opsPerSecond = row.applyWindowMs > 0 ? (row.applied / row.applyWindowMs) * 1000 : 0;
      return [
        formatCount(row.users),
        String(row.concurrency),
        row.cycle,
        row.outcome,
        formatMs(row.wallMs),
        formatMs(row.idpReadMs),
        formatMs(row.scimReadMs),
        formatMs(row.applyWindowMs),
        formatMs(otherMs),
        formatCount(row.actionable),
        formatCount(row.applied),
        formatCount(row.failed),
        row.applied > 0 ? opsPerSecond.toFixed(0) : '-',
        row.actionable > 0 ? row.clientCallsPerOperation.toFixed(2) : '-',
        formatMethods(row.scimByMethod),
        formatMib(row.rssPeakBytes),
      ];
    }),
  );
  const callTable = markdownTable(
    ['users', 'concurrency', 'cycle', 'client method', 'calls', 'calls per actionable op', 'mean ms per call', 'first call starts ms', 'last call ends ms'],
    rows.flatMap((row) =>
      [...row.clientCalls]
        .sort(([left], [right]) => left.localeCompare(right))
        .map(([method, calls]) => [
          formatCount(row.users),
          String(row.concurrency),
          row.cycle,
          `\`${method}\``,
          formatCount(calls.count),
          row.actionable > 0 ? (calls.count / row.actionable).toFixed(2) : '-',
          formatMs(calls.totalMs / calls.count),
          formatMs(calls.firstStartMs - row.startMs),
          formatMs(calls.lastEndMs - row.startMs),
        ]),
    ),
  );
  return [
    '### Full sync end to end',
    '',
    `config/sample.yaml with \`ably.requestsPerSecond\` ${options.requestsPerSecond}; Okta server, emulator and daemon in one process, redis-server separate. RSS is the whole process.`,
    '',
    table,
    '',
    '#### Worker calls to the SCIM client',
    '',
    callTable,
    '',
  ].join('\n');
}

function formatMethods(byMethod: Record<string, number>): string {
  const entries = Object.entries(byMethod).sort(([left], [right]) => left.localeCompare(right));
  return entries.length === 0 ? 'none' : entries.map(([method, count]) => `${method} ${formatCount(count)}`).join(', ');
}
