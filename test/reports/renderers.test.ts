import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  planExitCode,
  planJsonSchema,
  planJsonSchemaDocument,
  PLAN_EXIT_CODES,
  renderPlanHtml,
  renderPlanMarkdown,
  toPlanJson,
} from '../../src/reports/index.js';
import type { ReconcilePlan } from '../../src/domain/plan.js';
import { HOSTILE_GROUP_NAME, samplePlan } from './sample-plan.js';

const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/** Returns every email the plan names, from users and from reason details. */
function emailsIn(plan: ReconcilePlan): string[] {
  return [...JSON.stringify(plan).matchAll(EMAIL_PATTERN)].map((match) => match[0]).filter((email) => !email.includes('***'));
}

describe('toPlanJson', () => {
  const plan = samplePlan();
  const json = toPlanJson(plan, { emails: 'masked' });

  it('matches the documented schema', () => {
    const result = planJsonSchema.safeParse(json);
    expect(result.success, JSON.stringify(result.error?.issues.slice(0, 3))).toBe(true);
  });

  it('matches the checked-in JSON Schema file', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../docs/plan.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(onDisk).toEqual(planJsonSchemaDocument());
  });

  it('counts every kind and the actionable ones', () => {
    expect(json.schemaVersion).toBe(1);
    expect(json.summary.operationCount).toBe(plan.operations.length);
    expect(json.summary.byKind['domain-check']).toBe(1);
    expect(json.summary.byKind['group-update']).toBe(0);
    expect(json.summary.actionableCount).toBe(plan.operations.length - 1);
    expect(Object.values(json.summary.byKind).reduce((sum, count) => sum + count, 0)).toBe(plan.operations.length);
  });

  it('summarizes each configured account', () => {
    expect(json.summary.byAccount.map((account) => account.accountId)).toEqual(['prod', 'dev']);
    const prod = json.summary.byAccount[0];
    expect(prod?.roleAssignmentCount).toBe(3);
    expect(prod?.membersAdded).toBeGreaterThan(0);
  });

  it('keeps reasons and changes', () => {
    const update = json.operations.find((operation) => operation.kind === 'user-update');
    expect(update?.reason.rule).toBe('identity-changed');
    expect(update?.reason.changes[0]).toEqual({ field: 'userName', from: 'a***@example.com', to: 'a***@example.com' });
    const check = json.operations.find((operation) => operation.kind === 'domain-check');
    expect(check?.summary).toBe('Reject g***@contractor.example.net: not in example.com');
    expect(check?.actionable).toBe(false);
  });

  it.each(['masked', 'hidden'] as const)('shows no full email when %s', (mode) => {
    const text = JSON.stringify(toPlanJson(plan, { emails: mode }));
    for (const email of emailsIn(plan)) {
      expect(text).not.toContain(email);
    }
  });

  it('lists access changes per user', () => {
    expect(json.accessChanges?.length).toBeGreaterThan(0);
    const left = json.accessChanges?.find((change) => change.externalId === '00u-left-company');
    expect(left).toBeUndefined();
    const renamed = json.accessChanges?.find((change) => change.label.startsWith('a***'));
    expect(renamed?.after).toEqual([
      { accountId: 'dev', roles: ['Admin'] },
      { accountId: 'prod', roles: ['Developer'] },
    ]);
  });

  it('has no access changes without the role extension', () => {
    expect(toPlanJson(samplePlan({ hasRoleExtension: false }), { emails: 'masked' }).accessChanges).toBeNull();
  });

  it('labels users by IdP id when emails are hidden', () => {
    const hidden = toPlanJson(plan, { emails: 'hidden' });
    const provision = hidden.operations.find((operation) => operation.kind === 'provision');
    expect(provision?.target.label).toBe(provision?.target.externalId);
  });

  it('never includes given or family names of provisioned users', () => {
    const text = JSON.stringify(json);
    expect(text).not.toContain('"givenName"');
    expect(text).not.toContain('"familyName"');
  });
});

describe('renderPlanMarkdown', () => {
  const held = samplePlan({ maxRemovals: 0 });
  const markdown = renderPlanMarkdown(held, { emails: 'masked' });

  it('starts with the hold banner', () => {
    expect(markdown).toContain(`> **Held for approval.** 1 removal exceeds policy.holds.maxRemovals (0). Approve plan \`${held.id}\``);
  });

  it('lists counts, accounts and each operation with its reason', () => {
    expect(markdown).toContain('| provision | 17 |');
    expect(markdown).toContain('| Production (`prod`) | 3 |');
    expect(markdown).toContain('### Phase 3: removals');
    expect(markdown).toContain('- **deprovision** `00u-left-company`: Deactivate f\\*\\*\\*@example.com');
    expect(markdown).toContain('  - Reason: `absent-from-idp`. No longer in the IdP directory.');
    expect(markdown).toContain('- **unmanaged-user** `scim-admin`: Organization user i\\*\\*\\*@example.com has no externalId');
  });

  it('shows access changes', () => {
    expect(markdown).toContain('## Access changes');
    expect(markdown).toContain('| `00u000000abcdEFGH1a2` a\\*\\*\\*@example.com | (none) | dev: Admin; prod: Developer |');
  });

  it('escapes names from the directory', () => {
    expect(markdown).toContain('Platform \\<script\\>alert(1)\\</script\\> \\& \\*ops\\* \\| \\`x\\`');
    expect(markdown).not.toContain(HOSTILE_GROUP_NAME);
  });

  it.each(['masked', 'hidden'] as const)('shows no full email when %s', (mode) => {
    const text = renderPlanMarkdown(held, { emails: mode });
    for (const email of emailsIn(held)) {
      expect(text).not.toContain(email);
    }
  });

  it('says when there is nothing to do', () => {
    const empty: ReconcilePlan = { ...held, operations: [], notices: [], counts: {}, hold: undefined };
    expect(renderPlanMarkdown(empty, { emails: 'masked' })).toContain('No operations: the organization matches the directory.');
  });

  it('never calls an unread directory in step', () => {
    const unread: ReconcilePlan = { ...held, operations: [], notices: [], counts: {}, hold: undefined, isSourceComplete: false };
    const markdown = renderPlanMarkdown(unread, { emails: 'masked' });
    const html = renderPlanHtml(unread, { emails: 'masked' });

    expect(markdown).not.toContain('the organization matches the directory');
    expect(markdown).toContain('the directory read was incomplete');
    expect(html).toContain('the directory read was incomplete');
  });
});

describe('renderPlanHtml', () => {
  const plan = samplePlan({ maxRemovals: 0, hasRoleExtension: false });
  const html = renderPlanHtml(plan, { emails: 'masked', title: 'Run <1>' });

  it('escapes every directory value and the title', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('Platform &lt;script&gt;alert(1)&lt;/script&gt; &amp; *ops* | `x`');
    expect(html).toContain('<title>Run &lt;1&gt;</title>');
  });

  it('loads nothing from outside the page', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain("default-src 'none'");
  });

  it('shows the hold banner and report-only roles', () => {
    expect(html).toContain('id="hold"');
    expect(html).toContain('report-only');
    expect(html).toContain('Set in the dashboard for Engineering: dev: Admin; prod: Developer');
  });

  it.each(['masked', 'hidden'] as const)('shows no full email when %s', (mode) => {
    const text = renderPlanHtml(plan, { emails: mode });
    for (const email of emailsIn(plan)) {
      expect(text).not.toContain(email);
    }
  });
});

describe('planExitCode', () => {
  it.each([
    { name: 'changes', plan: samplePlan(), expected: PLAN_EXIT_CODES.changesPending },
    { name: 'held', plan: samplePlan({ maxRemovals: 0 }), expected: PLAN_EXIT_CODES.held },
    {
      name: 'only a domain check',
      plan: { ...samplePlan(), hold: undefined, operations: samplePlan().operations.filter((operation) => operation.kind === 'domain-check') },
      expected: PLAN_EXIT_CODES.noChanges,
    },
    {
      name: 'only report-only roles',
      plan: { ...samplePlan({ hasRoleExtension: false }), operations: samplePlan({ hasRoleExtension: false }).operations.filter((operation) => operation.kind === 'role-assignment') },
      expected: PLAN_EXIT_CODES.noChanges,
    },
    {
      name: 'incomplete read',
      plan: { ...samplePlan(), hold: undefined, isSourceComplete: false },
      expected: PLAN_EXIT_CODES.error,
    },
  ])('$name → $expected', ({ plan, expected }) => {
    expect(planExitCode(plan)).toBe(expected);
  });

  it('keeps the documented values', () => {
    expect(PLAN_EXIT_CODES).toEqual({ noChanges: 0, error: 1, changesPending: 2, held: 3 });
  });
});
