import { renderPlanHtml } from './html.js';
import { toPlanJson } from './json.js';
import { renderPlanMarkdown } from './markdown.js';
import type { EmailDisplay, RunReport, RunReportSummary } from './types.js';

/** The formats a stored run report is served and written in. */
export type RunReportFormat = 'html' | 'markdown' | 'json';

/** Renders a run report: its plan in the chosen format, and for JSON also the run's outcome and results. */
export function renderRunReport(report: RunReport, format: RunReportFormat, emails: EmailDisplay): string {
  switch (format) {
    case 'html':
      return renderPlanHtml(report.plan, { emails, title: `Run ${report.runId} (${report.outcome})` });
    case 'markdown':
      return renderPlanMarkdown(report.plan, { emails });
    case 'json':
      return `${JSON.stringify({ ...report, plan: toPlanJson(report.plan, { emails }) }, null, 2)}\n`;
  }
}

/** Builds the listing form of a run report. */
export function summarizeRunReport(report: RunReport): RunReportSummary {
  return {
    runId: report.runId,
    planId: report.plan.id,
    mode: report.mode,
    outcome: report.outcome,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    operationCount: report.plan.operations.length,
  };
}
