import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectorBenchmarks } from './connector-bench.js';
import { fullSyncBenchmark } from './full-sync-bench.js';
import { describeMachine } from './machine.js';
import { canCollectGarbage } from './measure.js';
import type { Benchmark, BenchOptions } from './options.js';
import { plannerBenchmark } from './planner-bench.js';
import { scimReadBenchmark } from './scim-read-bench.js';

/**
 * The one entry point of the benchmarks: `npm run bench -- [options]`.
 * Each selected benchmark runs in its own child process started with
 * `--expose-gc`, so the RSS and heap figures of one are not inflated by
 * what an earlier one left behind.
 */

const BENCHMARKS: readonly Benchmark[] = [plannerBenchmark, ...connectorBenchmarks, scimReadBenchmark, fullSyncBenchmark];

const HELP = `Usage: npm run bench -- [options]

Options:
  --only NAMES         comma-separated benchmarks to run (default: all, listed below)
  --users COUNTS       comma-separated user counts, replacing each selected benchmark's defaults
  --groups COUNTS      comma-separated group counts for the planner (default 100,500)
  --runs N             measured runs per planner case after one warm-up (default 5)
  --concurrency LIST   comma-separated jobs.operationConcurrency values for full-sync (default 8,32)
  --rps N              ably.requestsPerSecond of the SCIM client in full-sync (default 1000)
  --help               print this help

Benchmarks:
${BENCHMARKS.map((benchmark) => `  ${benchmark.name.padEnd(20)} ${benchmark.description}`).join('\n')}

Every benchmark starts its own servers on 127.0.0.1 (and its own redis-server
for full-sync) and stops them when it finishes.`;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    users: { type: 'string' },
    groups: { type: 'string' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string' },
    rps: { type: 'string', default: '1000' },
    child: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const selected = selectBenchmarks(values.only);
const options: BenchOptions = {
  users: parseCounts('--users', values.users),
  groups: parseCounts('--groups', values.groups),
  runs: parsePositive('--runs', values.runs),
  concurrency: parseCounts('--concurrency', values.concurrency),
  requestsPerSecond: parsePositive('--rps', values.rps),
};

if (values.child && !canCollectGarbage()) {
  console.error('note: started without --expose-gc, so heap figures include garbage');
}

if (values.child) {
  for (const benchmark of selected) {
    console.log(await benchmark.run(options));
  }
} else {
  console.log(`Machine: ${describeMachine()}\n`);
  let failures = 0;
  for (const benchmark of selected) {
    failures += runInChild(benchmark) ? 0 : 1;
  }
  process.exitCode = failures === 0 ? 0 : 1;
}

function runInChild(benchmark: Benchmark): boolean {
  const forwarded = process.argv.slice(2).filter((argument, index, all) => argument !== '--only' && all[index - 1] !== '--only' && !argument.startsWith('--only='));
  const result = spawnSync(
    process.execPath,
    [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), ...forwarded, '--only', benchmark.name, '--child'],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) {
    console.error(`benchmark ${benchmark.name} failed with exit code ${result.status ?? result.signal}`);
    return false;
  }
  return true;
}

function selectBenchmarks(only: string | undefined): Benchmark[] {
  if (only === undefined) {
    return [...BENCHMARKS];
  }
  return only.split(',').map((name) => {
    const benchmark = BENCHMARKS.find((candidate) => candidate.name === name.trim());
    if (!benchmark) {
      throw new Error(`Unknown benchmark "${name}" in --only. Choose from: ${BENCHMARKS.map((candidate) => candidate.name).join(', ')}.`);
    }
    return benchmark;
  });
}

function parseCounts(option: string, text: string | undefined): number[] | undefined {
  return text === undefined ? undefined : text.split(',').map((part) => parsePositive(option, part));
}

function parsePositive(option: string, text: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${option} must be a positive integer or a comma-separated list of them, got "${text}".`);
  }
  return value;
}
