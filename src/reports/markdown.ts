import type { ReconcilePlan } from '../domain/plan.js';
import { toPlanJson, type PlanJson, type PlanJsonOperation } from './json.js';
import type { EmailDisplay } from './types.js';

/** Titles of the three apply phases, in order. */
export const PHASE_TITLES = ['Phase 1: users and groups', 'Phase 2: memberships and roles', 'Phase 3: removals'] as const;

/**
 * Renders a plan as Markdown for people: hold banner, summary counts per
 * operation kind and per account, then each operation with its reason, then
 * notices. Every value from the directory or the organization is escaped.
 */
export function renderPlanMarkdown(plan: ReconcilePlan, options: { emails: EmailDisplay }): string {
  const report = toPlanJson(plan, options);
  const lines: string[] = [`# Reconcile plan \`${report.planId}\``, ''];

  lines.push(...banners(report));
  lines.push(
    `Source: ${escapeMarkdown(report.source)} · Created: ${report.createdAt} · Status: ${report.status} · Source complete: ${report.isSourceComplete ? 'yes' : 'no'}`,
    '',
  );

  lines.push('## Summary', '', '| Operation | Count |', '| --- | ---: |');
  for (const [kind, count] of Object.entries(report.summary.byKind)) {
    lines.push(`| ${kind} | ${count} |`);
  }
  lines.push(`| **total** | **${report.summary.operationCount}** (${report.summary.actionableCount} change the organization) |`, '');

  if (report.summary.byAccount.length > 0) {
    lines.push('## Accounts', '', '| Account | Role links set | Members added | Members removed |', '| --- | ---: | ---: | ---: |');
    for (const account of report.summary.byAccount) {
      lines.push(`| ${escapeMarkdown(account.accountName)} (\`${escapeTableCode(account.accountId)}\`) | ${account.roleAssignmentCount} | ${account.membersAdded} | ${account.membersRemoved} |`);
    }
    lines.push('');
  }

  lines.push('## Operations', '');
  if (report.operations.length === 0) {
    lines.push(noOperationsText(report), '');
  }
  PHASE_TITLES.forEach((title, index) => {
    const operations = report.operations.filter((operation) => operation.phase === index + 1);
    if (operations.length === 0) return;
    lines.push(`### ${title}`, '');
    for (const operation of operations) {
      lines.push(...operationLines(operation));
    }
    lines.push('');
  });

  lines.push(...accessLines(report));

  if (report.notices.length > 0) {
    lines.push('## Notices', '');
    for (const notice of report.notices) {
      lines.push(`- **${notice.kind}** \`${escapeCode(notice.subject)}\`: ${escapeMarkdown(notice.detail)}`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function banners(report: PlanJson): string[] {
  const lines: string[] = [];
  if (report.hold) {
    lines.push(
      `> **Held for approval.** ${escapeMarkdown(report.hold.reason)} Approve plan \`${report.planId}\` to apply it; until then no operation runs.`,
      '',
    );
  }
  if (!report.isSourceComplete) {
    lines.push('> **Removals withheld.** The directory read was incomplete or empty, so this plan removes nothing. See the notices.', '');
  }
  return lines;
}

function accessLines(report: PlanJson): string[] {
  if (report.accessChanges === null) {
    return ['## Access changes', '', 'Not available: the SCIM service has no role extension, so group links cannot be read.', ''];
  }
  if (report.accessChanges.length === 0) {
    return [];
  }
  const lines = ['## Access changes', '', 'Account roles inherited from Ably groups, for each user whose roles change.', '', '| User | Before | After |', '| --- | --- | --- |'];
  for (const change of report.accessChanges) {
    lines.push(`| \`${escapeTableCode(change.externalId)}\` ${escapeMarkdown(change.label === change.externalId ? '' : change.label)} | ${escapeMarkdown(formatValue(change.before))} | ${escapeMarkdown(formatValue(change.after))} |`);
  }
  lines.push('');
  return lines;
}

function operationLines(operation: PlanJsonOperation): string[] {
  const flags = [operation.actionable ? '' : 'no change in Ably', operation.reportOnly ? 'report-only' : ''].filter(Boolean);
  const suffix = flags.length > 0 ? ` _(${flags.join(', ')})_` : '';
  const lines = [
    `- **${operation.kind}** \`${escapeCode(operation.target.externalId)}\`: ${escapeMarkdown(operation.summary)}${suffix}`,
    `  - Reason: \`${escapeCode(operation.reason.rule)}\`. ${escapeMarkdown(operation.reason.detail)}`,
  ];
  if (operation.reason.groups.length > 0) {
    lines.push(`  - IdP groups: ${operation.reason.groups.map(escapeMarkdown).join(', ')}`);
  }
  for (const change of operation.reason.changes) {
    lines.push(`  - ${escapeMarkdown(change.field)}: ${escapeMarkdown(formatValue(change.from))} → ${escapeMarkdown(formatValue(change.to))}`);
  }
  if (operation.memberExternalIds !== undefined) {
    lines.push(`  - Members: ${operation.memberExternalIds.map((id) => `\`${escapeCode(id)}\``).join(', ')}`);
  }
  return lines;
}

/** Formats a changed value for people: account links as `account: roles`, empty values as `(none)`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '(none)';
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    return value
      .map((entry) => (isAccountLink(entry) ? `${entry.accountId}: ${entry.roles.join(', ')}` : String(entry)))
      .join('; ');
  }
  return String(value);
}

function isAccountLink(value: unknown): value is { accountId: string; roles: string[] } {
  return typeof value === 'object' && value !== null && 'accountId' in value && 'roles' in value && Array.isArray(value.roles);
}

/** Escapes the characters Markdown or an HTML-rendering viewer would interpret, and flattens line breaks. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|&]/g, (character) => `\\${character}`).replace(/\r?\n/g, ' ');
}

/** Makes text safe inside an inline code span: a backtick would end it. */
function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/\r?\n/g, ' ');
}

/** Makes text safe inside a code span in a table cell, where a bare `|` would end the cell. */
function escapeTableCode(text: string): string {
  return escapeCode(text).replace(/\|/g, '\\|');
}

/** Returns the sentence a report shows when a plan has no operations: in step, or only unread. */
export function noOperationsText(report: Pick<PlanJson, 'isSourceComplete'>): string {
  return report.isSourceComplete
    ? 'No operations: the organization matches the directory.'
    : 'No operations, but the directory read was incomplete, so the organization may still differ from the IdP.';
}
