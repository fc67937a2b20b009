import type { RunReport } from '../../src/reports/types.js';

/** Builds a report of a run that provisioned one user, with any field overridden. */
export function sampleReport(overrides: Partial<RunReport> = {}): RunReport {
  return {
    runId: 'run-2026-12-04T10-00-00Z',
    mode: 'full',
    outcome: 'applied',
    startedAt: '2026-12-04T10:00:00.000Z',
    finishedAt: '2026-12-04T10:00:05.000Z',
    plan: {
      id: 'plan-3f9a1c',
      createdAt: '2026-12-04T10:00:02.000Z',
      source: 'okta',
      isSourceComplete: true,
      operations: [
        {
          kind: 'provision',
          user: { externalId: '00u1', userName: 'ada@example.com', givenName: 'Ada', familyName: 'Lovelace', active: true },
          reason: { rule: 'in-mapped-group', detail: 'Ada is in the Engineering group.', groups: ['Engineering'] },
        },
      ],
      notices: [],
      counts: { provision: 1 },
    },
    results: { applied: 1, skipped: 0, failed: 0, failures: [] },
    ...overrides,
  };
}

/** Builds a report whose plan a safety threshold held for approval. */
export function heldReport(planId: string, runId: string): RunReport {
  const report = sampleReport({ runId, outcome: 'held' });
  return {
    ...report,
    results: undefined,
    plan: {
      ...report.plan,
      id: planId,
      hold: { reason: 'Removals exceed 10% of managed users.', removalCount: 12, managedUserCount: 40 },
    },
  };
}
