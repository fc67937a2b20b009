import type { ReportStore, RunReport, RunReportSummary } from '../../src/reports/types.js';
import { summarizeRunReport } from '../../src/reports/run-report.js';

/** A `ReportStore` in memory, newest first, for server tests. */
export class MemoryReportStore implements ReportStore {
  readonly #reports: RunReport[] = [];

  async save(report: RunReport): Promise<void> {
    this.#reports.unshift(report);
  }

  async list(limit = 20): Promise<RunReportSummary[]> {
    return this.#reports.slice(0, limit).map(summarizeReport);
  }

  async get(runId: string): Promise<RunReport | undefined> {
    return this.#reports.find((report) => report.runId === runId);
  }
}

/** Builds the listing form of a report, as the Redis store does. */
export const summarizeReport = summarizeRunReport;
