import type { Queue } from 'bullmq';
import type { Secret } from '../config/secret.js';
import type { Logger } from '../logging.js';
import type { ReportStore, RunReport, RunReportSummary } from '../reports/types.js';
import type { HealthStatus } from './health.js';
import type { SyncMetrics } from './metrics.js';
import type { ReportFormat } from './request-schemas.js';

/** The operations the admin routes trigger; the jobs code implements them. */
export interface ServerActions {
  /** Queues a sync run now. */
  resync(mode: 'full' | 'incremental'): Promise<{ jobId: string }>;
  /** Queues the held plan for applying; undefined when no held plan has this id. */
  approvePlan(planId: string, approvedBy: string): Promise<{ jobId: string } | undefined>;
  /** Lists the plans waiting for approval. */
  listHeldPlans(): Promise<RunReportSummary[]>;
}

/** Renders one report in the given format; supplied by `src/reports`. */
export type ReportRenderer = (report: RunReport, format: ReportFormat) => string;

/** Everything `createServer` needs from the rest of the daemon. */
export interface ServerOptions {
  logger: Logger;
  /** The admin token. When it is absent, admin routes respond with `503` naming ADMIN_TOKEN, and health and metrics stay open. */
  adminToken?: Secret;
  /** The BullMQ queues the dashboard at `/admin/queues` shows. */
  queues: Queue[];
  metrics: SyncMetrics;
  reports: ReportStore;
  health: () => Promise<HealthStatus>;
  actions: ServerActions;
  /** When absent, reports are served as JSON only. */
  renderReport?: ReportRenderer;
}
