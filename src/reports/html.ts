import type { ReconcilePlan } from '../domain/plan.js';
import { toPlanJson, type PlanJson, type PlanJsonOperation } from './json.js';
import { formatValue, noOperationsText, PHASE_TITLES } from './markdown.js';
import type { EmailDisplay } from './types.js';

/**
 * Renders a plan as one self-contained HTML page: inline CSS, no script, no
 * external asset, so it opens from a file or an email attachment. Every value
 * from the directory or the organization is escaped.
 */
export function renderPlanHtml(plan: ReconcilePlan, options: { emails: EmailDisplay; title?: string }): string {
  const report = toPlanJson(plan, options);
  const title = options.title ?? `Reconcile plan ${report.planId}`;
  const body = [
    `<header><h1>${escapeHtml(title)}</h1>${metadata(report)}</header>`,
    banners(report),
    summary(report),
    operations(report),
    accessChanges(report),
    notices(report),
  ].join('\n');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Escapes text for an HTML element body or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character] ?? character);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid #d8dce4; padding-bottom: .25rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
.meta { color: #566074; margin: 0; }
.banner { border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; border: 1px solid; }
.banner.hold { background: #fff1f0; border-color: #e5484d; color: #8a1c20; }
.banner.withheld { background: #fff8e6; border-color: #d9a400; color: #6b4e00; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; }
#counts { max-width: 26rem; }
#accounts { max-width: 44rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #e6e9ef; }
th { background: #f4f6f9; font-weight: 600; }
td.count, th.count { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f4f6f9; padding: 0 .25rem; border-radius: 3px; word-break: break-all; }
.kind { font-weight: 600; white-space: nowrap; }
.tag { display: inline-block; font-size: 11px; border-radius: 3px; padding: 0 .35rem; margin-left: .35rem; background: #e9ecf2; color: #3b4458; }
.phase-3 .kind { color: #b42318; }
.muted { color: #6b7385; }
ul.changes { margin: .25rem 0 0; padding-left: 1.1rem; }
ul.notices li { margin: .25rem 0; }
`;

function metadata(report: PlanJson): string {
  return `<p class="meta">Plan <code>${escapeHtml(report.planId)}</code> · source ${escapeHtml(report.source)} · created ${escapeHtml(report.createdAt)} · status <strong>${escapeHtml(report.status)}</strong> · emails ${escapeHtml(report.emailDisplay)}</p>`;
}

function banners(report: PlanJson): string {
  const parts: string[] = [];
  if (report.hold) {
    parts.push(
      `<div class="banner hold" role="alert" id="hold"><strong>Held for approval.</strong> ${escapeHtml(report.hold.reason)} Approve plan <code>${escapeHtml(report.planId)}</code> to apply it; until then no operation runs.</div>`,
    );
  }
  if (!report.isSourceComplete) {
    parts.push(
      '<div class="banner withheld" role="status" id="withheld"><strong>Removals withheld.</strong> The directory read was incomplete or empty, so this plan removes nothing. See the notices.</div>',
    );
  }
  return parts.join('\n');
}

function summary(report: PlanJson): string {
  const kindRows = Object.entries(report.summary.byKind)
    .map(([kind, count]) => `<tr><td>${escapeHtml(kind)}</td><td class="count">${count}</td></tr>`)
    .join('');
  const totalRow = `<tr><th>Total</th><th class="count">${report.summary.operationCount}</th></tr><tr><td class="muted">Changing the organization</td><td class="count">${report.summary.actionableCount}</td></tr>`;
  const accountRows = report.summary.byAccount
    .map(
      (account) =>
        `<tr><td>${escapeHtml(account.accountName)} <code>${escapeHtml(account.accountId)}</code></td><td class="count">${account.roleAssignmentCount}</td><td class="count">${account.membersAdded}</td><td class="count">${account.membersRemoved}</td></tr>`,
    )
    .join('');
  const accounts =
    report.summary.byAccount.length === 0
      ? ''
      : `<h3>Per account</h3><table id="accounts"><thead><tr><th>Account</th><th class="count">Role links set</th><th class="count">Members added</th><th class="count">Members removed</th></tr></thead><tbody>${accountRows}</tbody></table>`;
  return `<section id="summary"><h2>Summary</h2><table id="counts"><thead><tr><th>Operation</th><th class="count">Count</th></tr></thead><tbody>${kindRows}${totalRow}</tbody></table>${accounts}</section>`;
}

function operations(report: PlanJson): string {
  if (report.operations.length === 0) {
    return `<section id="operations"><h2>Operations</h2><p>${escapeHtml(noOperationsText(report))}</p></section>`;
  }
  const phases = PHASE_TITLES.map((title, index) => {
    const rows = report.operations.filter((operation) => operation.phase === index + 1).map(operationRow);
    if (rows.length === 0) return '';
    return `<h3>${escapeHtml(title)}</h3><table class="phase-${index + 1}"><thead><tr><th>Operation</th><th>Target</th><th>What</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  return `<section id="operations"><h2>Operations</h2>${phases.join('')}</section>`;
}

function operationRow(operation: PlanJsonOperation): string {
  const tags = [operation.actionable ? '' : 'no change in Ably', operation.reportOnly ? 'report-only' : '']
    .filter(Boolean)
    .map((tag) => `<span class="tag">${escapeHtml(tag)}</span>`)
    .join('');
  const groups = operation.reason.groups.length > 0 ? `<div class="muted">IdP groups: ${escapeHtml(operation.reason.groups.join(', '))}</div>` : '';
  const changes =
    operation.reason.changes.length > 0
      ? `<ul class="changes">${operation.reason.changes
          .map((change) => `<li><code>${escapeHtml(change.field)}</code>: ${escapeHtml(formatValue(change.from))} → ${escapeHtml(formatValue(change.to))}</li>`)
          .join('')}</ul>`
      : '';
  const members =
    operation.memberExternalIds !== undefined
      ? `<div class="muted">Members: ${operation.memberExternalIds.map((id) => `<code>${escapeHtml(id)}</code>`).join(' ')}</div>`
      : '';
  return `<tr data-kind="${escapeHtml(operation.kind)}"><td class="kind">${escapeHtml(operation.kind)}${tags}</td><td><code>${escapeHtml(operation.target.externalId)}</code></td><td>${escapeHtml(operation.summary)}${members}${changes}</td><td><code>${escapeHtml(operation.reason.rule)}</code> ${escapeHtml(operation.reason.detail)}${groups}</td></tr>`;
}

function accessChanges(report: PlanJson): string {
  if (report.accessChanges === null) {
    return '<section id="access"><h2>Access changes</h2><p>Not available: the SCIM service has no role extension, so group links cannot be read.</p></section>';
  }
  if (report.accessChanges.length === 0) {
    return '';
  }
  const rows = report.accessChanges
    .map((change) => {
      const label = change.label === change.externalId ? '' : ` ${escapeHtml(change.label)}`;
      return `<tr><td><code>${escapeHtml(change.externalId)}</code>${label}</td><td>${escapeHtml(formatValue(change.before))}</td><td>${escapeHtml(formatValue(change.after))}</td></tr>`;
    })
    .join('');
  return `<section id="access"><h2>Access changes</h2><p class="muted">Account roles inherited from Ably groups, for each user whose roles change.</p><table><thead><tr><th>User</th><th>Before</th><th>After</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function notices(report: PlanJson): string {
  if (report.notices.length === 0) {
    return '';
  }
  const items = report.notices
    .map((notice) => `<li><span class="kind">${escapeHtml(notice.kind)}</span> <code>${escapeHtml(notice.subject)}</code>: ${escapeHtml(notice.detail)}</li>`)
    .join('');
  return `<section id="notices"><h2>Notices</h2><ul class="notices">${items}</ul></section>`;
}
