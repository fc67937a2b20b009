import type { RunReportSummary } from '../reports/types.js';
import type { HealthCheck } from './health.js';
import { escapeHtml } from './html.js';
import { QUEUE_DASHBOARD_PATH } from './queue-dashboard.js';

/** A message shown at the top of the admin page after a form post. */
export type AdminNotice =
  | { kind: 'resync-queued'; jobId?: string; mode?: string }
  | { kind: 'plan-approved'; planId?: string; jobId?: string }
  | { kind: 'plan-not-found'; planId?: string };

/** Everything the admin page shows. */
export interface AdminPageView {
  reports: RunReportSummary[];
  heldPlans: RunReportSummary[];
  checks: HealthCheck[];
  lastSuccessfulSyncAt?: string;
  /** Whether `/reports/:runId` renders HTML; otherwise reports link to their JSON. */
  hasReportPages: boolean;
  notice?: AdminNotice;
  /** Prefills the approver field, from the Basic username the browser logged in with. */
  approverName?: string;
}

/**
 * Renders the admin landing page: links to the queue dashboard, a resync
 * form, the held plans with an approve form each, the recent reports and the
 * health checks. Every value from outside is escaped, and the page needs no
 * script.
 */
export function renderAdminPage(view: AdminPageView): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ably-idp-sync admin</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>ably-idp-sync admin</h1><nav><a href="${QUEUE_DASHBOARD_PATH}">Queue dashboard</a> · <a href="/api/reports">Reports (JSON)</a> · <a href="/metrics">Metrics</a></nav></header>
${renderNotice(view.notice)}
<section>
<h2>Sync now</h2>
<form method="post" action="/admin/resync" class="inline">
<label for="mode">Mode</label>
<select id="mode" name="mode"><option value="full">full</option><option value="incremental">incremental</option></select>
<button type="submit">Resync</button>
</form>
</section>
${renderHeldPlans(view.heldPlans, view.approverName ?? '')}
${renderReports(view.reports, view.hasReportPages)}
${renderHealth(view.checks, view.lastSuccessfulSyncAt)}
</body>
</html>
`;
}

const PAGE_STYLE = `
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2330; max-width: 72rem; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #d0d5dd; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #e4e7ec; }
code { font-size: 0.85rem; }
.notice { padding: 0.6rem 1rem; background: #e8f3ff; border: 1px solid #9cc7f5; margin-top: 1rem; }
.notice.warning { background: #fff4e5; border-color: #f5c27a; }
.outcome-failed, .unhealthy { color: #b42318; font-weight: 600; }
.outcome-held { color: #b54708; font-weight: 600; }
.outcome-applied, .healthy { color: #067647; }
form.inline { display: flex; gap: 0.5rem; align-items: center; }
button { padding: 0.3rem 0.9rem; cursor: pointer; }
.empty { color: #667085; }
`;

function renderNotice(notice: AdminNotice | undefined): string {
  if (notice === undefined) {
    return '';
  }
  switch (notice.kind) {
    case 'resync-queued':
      return `<p class="notice" role="status">Resync queued: ${escapeHtml(notice.mode ?? 'full')} sync, job <code>${escapeHtml(notice.jobId ?? 'unknown')}</code>.</p>`;
    case 'plan-approved':
      return `<p class="notice" role="status">Plan <code>${escapeHtml(notice.planId ?? '')}</code> approved; applying as job <code>${escapeHtml(notice.jobId ?? 'unknown')}</code>.</p>`;
    case 'plan-not-found':
      return `<p class="notice warning" role="status">No held plan has id <code>${escapeHtml(notice.planId ?? '')}</code>. It may have been approved or replaced already.</p>`;
  }
}

function renderHeldPlans(plans: RunReportSummary[], approverName: string): string {
  if (plans.length === 0) {
    return '<section><h2>Held plans</h2><p class="empty">No plans are waiting for approval.</p></section>';
  }

  const rows = plans.map((plan) => {
    const action = `/admin/plans/${encodeURIComponent(plan.planId)}/approve`;
    return `<tr><td><code>${escapeHtml(plan.planId)}</code></td><td><code>${escapeHtml(plan.runId)}</code></td><td>${escapeHtml(plan.mode)}</td><td>${escapeHtml(plan.finishedAt)}</td><td>${escapeHtml(plan.operationCount)}</td>
<td><form method="post" action="${escapeHtml(action)}" class="inline"><input name="approvedBy" required maxlength="128" placeholder="your name" aria-label="Approved by" value="${escapeHtml(approverName)}"><button type="submit">Approve</button></form></td></tr>`;
  });
  return `<section><h2>Held plans</h2>
<table><thead><tr><th>Plan</th><th>Run</th><th>Mode</th><th>Run finished</th><th>Operations</th><th>Approve</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function renderReports(reports: RunReportSummary[], hasReportPages: boolean): string {
  if (reports.length === 0) {
    return '<section><h2>Recent runs</h2><p class="empty">No run reports yet.</p></section>';
  }

  const rows = reports.map((report) => {
    const runId = encodeURIComponent(report.runId);
    const link = hasReportPages ? `/reports/${runId}` : `/api/reports/${runId}?format=json`;
    return `<tr><td><a href="${escapeHtml(link)}"><code>${escapeHtml(report.runId)}</code></a></td><td>${escapeHtml(report.mode)}</td><td class="outcome-${escapeHtml(report.outcome)}">${escapeHtml(report.outcome)}</td><td>${escapeHtml(report.startedAt)}</td><td>${escapeHtml(report.finishedAt)}</td><td>${escapeHtml(report.operationCount)}</td></tr>`;
  });
  return `<section><h2>Recent runs</h2>
<table><thead><tr><th>Run</th><th>Mode</th><th>Outcome</th><th>Started</th><th>Finished</th><th>Operations</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function renderHealth(checks: HealthCheck[], lastSuccessfulSyncAt: string | undefined): string {
  const rows = checks.map((check) => {
    const state = check.isHealthy ? 'healthy' : 'unhealthy';
    return `<tr><td>${escapeHtml(check.name)}</td><td class="${state}">${state}</td><td>${escapeHtml(check.detail)}</td></tr>`;
  });
  const lastSync = lastSuccessfulSyncAt === undefined ? 'none yet' : escapeHtml(lastSuccessfulSyncAt);
  return `<section><h2>Health</h2><p>Last successful sync: ${lastSync}</p>
<table><thead><tr><th>Check</th><th>State</th><th>Detail</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></section>`;
}
