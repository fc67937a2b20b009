import { performance } from 'node:perf_hooks';
import { isActionableOperation, planReconcile, type PlanInput } from '../src/reconcile/index.js';
import type { ReconcilePlan } from '../src/domain/plan.js';
import { collectGarbage, formatCount, formatMib, formatMs, markdownTable, median } from './measure.js';
import type { Benchmark, BenchOptions } from './options.js';
import { buildPlannerInput, convergedOrganization, emptyOrganization, type PlannerSize } from './planner-input.js';

const DEFAULT_USERS = [1_000, 10_000, 50_000];
const DEFAULT_GROUPS = [100, 500];

interface PlannerRow {
  size: PlannerSize;
  organization: 'empty' | 'converged';
  medianMs: number;
  minMs: number;
  operations: number;
  actionable: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  retainedBytes: number;
}

/** Times `planReconcile` on synthetic directories against an empty and a converged organization. */
export const plannerBenchmark: Benchmark = {
  name: 'planner',
  description: 'planReconcile on 1k-50k users and 100-500 groups, empty and converged organization',
  async run(options) {
    const rows: PlannerRow[] = [];
    for (const users of options.users ?? DEFAULT_USERS) {
      for (const groups of options.groups ?? DEFAULT_GROUPS) {
        rows.push(...measureSize({ users, groups }, options));
      }
    }
    return render(rows, options);
  },
};

function measureSize(size: PlannerSize, options: BenchOptions): PlannerRow[] {
  const input = buildPlannerInput(size);
  const empty = emptyOrganization();
  const converged = convergedOrganization(input);
  const convergedInput: PlanInput = { ...input, organization: converged.organization, deactivatedAt: converged.deactivatedAt };

  return [
    measurePlan(size, 'empty', { ...input, organization: empty }, options.runs),
    measurePlan(size, 'converged', convergedInput, options.runs),
  ];
}

function measurePlan(size: PlannerSize, organization: PlannerRow['organization'], input: PlanInput, runs: number): PlannerRow {
  planReconcile(input);
  const durations: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    planReconcile(input);
    durations.push(performance.now() - started);
  }

  // One more run between two collections, to see the heap it leaves allocated and what it keeps.
  collectGarbage();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  let plan: ReconcilePlan | undefined = planReconcile(input);
  const heapAfterBytes = process.memoryUsage().heapUsed;
  collectGarbage();
  const retainedBytes = process.memoryUsage().heapUsed - heapBeforeBytes;
  const operations = plan.operations.length;
  const actionable = plan.operations.filter(isActionableOperation).length;
  plan = undefined;

  return {
    size,
    organization,
    medianMs: median(durations),
    minMs: Math.min(...durations),
    operations,
    actionable,
    heapBeforeBytes,
    heapAfterBytes,
    retainedBytes,
  };
}

function render(rows: readonly PlannerRow[], options: BenchOptions): string {
  const table = markdownTable(
    ['users', 'groups', 'organization', 'median ms', 'min ms', 'operations', 'actionable', 'heap before MiB', 'heap after plan MiB', 'plan retained MiB'],
    rows.map((row) => [
      formatCount(row.size.users),
      formatCount(row.size.groups),
      row.organization,
      formatMs(row.medianMs),
      formatMs(row.minMs),
      formatCount(row.operations),
      formatCount(row.actionable),
      formatMib(row.heapBeforeBytes),
      formatMib(row.heapAfterBytes),
      formatMib(row.retainedBytes),
    ]),
  );
  const runs = options.runs === 1 ? '1 measured run' : `${options.runs} measured runs`;
  return `### Planner (${runs} after 1 warm-up)\n\n${table}\n`;
}
