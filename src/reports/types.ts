import type { ReconcilePlan } from '../domain/plan.js';

/** The result of a run. */
export type RunOutcome = 'applied' | 'no-changes' | 'held' | 'dry-run' | 'failed';

/** Counts of what the operation workers did in one run. */
export interface RunResults {
  applied: number;
  skipped: number;
  failed: number;
  /** Per operation, the result and a short error text (never a secret). */
  failures: { operation: string; error: string }[];
}

/** One run's report, kept in Redis (last N) and optionally written to a folder. */
export interface RunReport {
  runId: string;
  mode: 'full' | 'incremental';
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  plan: ReconcilePlan;
  results?: RunResults;
  error?: string;
}

/** A short form of a report for listings. */
export interface RunReportSummary {
  runId: string;
  planId: string;
  mode: RunReport['mode'];
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  operationCount: number;
}

/** The store of run reports. */
export interface ReportStore {
  save(report: RunReport): Promise<void>;
  /** Lists the newest reports first. */
  list(limit?: number): Promise<RunReportSummary[]>;
  get(runId: string): Promise<RunReport | undefined>;
}

/** The form of emails in reports. */
export type EmailDisplay = 'full' | 'masked' | 'hidden';
