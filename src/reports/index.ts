/** Plan reports: Markdown for people, documented JSON for tools, a self-contained HTML page, and exit codes. */
export { displayEmail, redactEmails, HIDDEN_EMAIL } from './email-display.js';
export { PLAN_EXIT_CODES, planExitCode, planStatus } from './exit-codes.js';
export type { PlanExitCode, PlanStatus } from './exit-codes.js';
export { OPERATION_KINDS, PLAN_JSON_SCHEMA_VERSION, toPlanJson } from './json.js';
export type { PlanJson, PlanJsonOperation, PlanJsonSummary } from './json.js';
export { renderPlanMarkdown } from './markdown.js';
export { renderPlanHtml } from './html.js';
export type { EmailDisplay, ReportStore, RunOutcome, RunReport, RunReportSummary, RunResults } from './types.js';
export { planJsonSchema, planJsonSchemaDocument } from './plan-json-schema.js';
export type { PlanJsonAccessChange } from './json.js';
export { renderRunReport, summarizeRunReport, type RunReportFormat } from './run-report.js';
