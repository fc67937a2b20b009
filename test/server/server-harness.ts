import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Secret } from '../../src/config/secret.js';
import { createLogger } from '../../src/logging.js';
import type { RunReport, RunReportSummary } from '../../src/reports/types.js';
import type { HealthStatus } from '../../src/server/health.js';
import { createMetrics, type SyncMetrics } from '../../src/server/metrics.js';
import { createServer, type ServerOptions } from '../../src/server/server.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';
import { MemoryReportStore } from './memory-report-store.js';

/** The admin token every harness server accepts. */
export const ADMIN_TOKEN = 'admin-token-for-tests-7d41c9';

/** `Authorization` headers that pass the admin guard. */
export const BEARER_AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const BASIC_AUTH = { authorization: basicAuthorization('operator', ADMIN_TOKEN) };

/** A server on real BullMQ queues, with actions that record their calls and add real jobs. */
export interface TestServer {
  app: FastifyInstance;
  syncQueue: Queue;
  operationsQueue: Queue;
  reports: MemoryReportStore;
  metrics: SyncMetrics;
  /** Plans `listHeldPlans` returns and `approvePlan` accepts; tests add to it. */
  heldPlans: RunReportSummary[];
  /** What `health()` returns next; tests replace it. */
  health: { status: HealthStatus | Error };
  resyncCalls: string[];
  approveCalls: { planId: string; approvedBy: string }[];
  /** Every log line the server wrote, as parsed JSON. */
  logs(): Record<string, unknown>[];
  /** The raw log output, for checks that a secret never appears. */
  logText(): string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  adminToken?: Secret | null;
  renderReport?: ServerOptions['renderReport'];
  resync?: ServerOptions['actions']['resync'];
}

/** Builds a server around two fresh queues (`sync`, `operations`) on the test Redis. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { hostname, port } = new URL(testRedisUrl());
  const connection = { host: hostname, port: Number(port) };
  const prefix = freshPrefix('server');
  const syncQueue = new Queue('sync', { connection, prefix });
  const operationsQueue = new Queue('operations', { connection, prefix });

  const rawLines: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void rawLines.push(line) } });

  const harness: Omit<TestServer, 'app'> = {
    syncQueue,
    operationsQueue,
    reports: new MemoryReportStore(),
    metrics: createMetrics({ collectDefault: false }),
    heldPlans: [],
    health: { status: { checks: [{ name: 'redis', isHealthy: true, detail: 'Redis replied to PING.' }] } },
    resyncCalls: [],
    approveCalls: [],
    logs: () => rawLines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => rawLines.join(''),
    close: async () => {
      await app.close();
      await syncQueue.close();
      await operationsQueue.close();
    },
  };

  const app = await createServer({
    logger,
    adminToken: options.adminToken === null ? undefined : (options.adminToken ?? new Secret(ADMIN_TOKEN)),
    queues: [syncQueue, operationsQueue],
    metrics: harness.metrics,
    reports: harness.reports,
    health: async () => {
      if (harness.health.status instanceof Error) {
        throw harness.health.status;
      }
      return harness.health.status;
    },
    actions: {
      resync:
        options.resync ??
        (async (mode) => {
          harness.resyncCalls.push(mode);
          const job = await syncQueue.add(mode, { mode, trigger: 'dashboard' });
          return { jobId: job.id ?? 'unknown' };
        }),
      approvePlan: async (planId, approvedBy) => {
        harness.approveCalls.push({ planId, approvedBy });
        if (!harness.heldPlans.some((plan) => plan.planId === planId)) {
          return undefined;
        }
        const job = await syncQueue.add('full', { mode: 'full', approvedPlanId: planId, trigger: 'approval' });
        return { jobId: job.id ?? 'unknown' };
      },
      listHeldPlans: async () => harness.heldPlans,
    },
    renderReport: options.renderReport,
  });

  return { ...harness, app };
}

/** Renders a minimal report in each format, in place of the renderers in `src/reports`. */
export function fakeRenderReport(report: RunReport, format: 'html' | 'markdown' | 'json'): string {
  switch (format) {
    case 'html':
      return `<!doctype html><title>Run ${report.runId}</title><h1>Run ${report.runId}</h1><p>${report.outcome}</p>`;
    case 'markdown':
      return `# Run ${report.runId}\n\nOutcome: ${report.outcome}\n`;
    case 'json':
      return JSON.stringify({ runId: report.runId, outcome: report.outcome, rendered: true });
  }
}

/** Builds an HTTP Basic `Authorization` header value. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
