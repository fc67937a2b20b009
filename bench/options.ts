/** Settings every benchmark reads. `bench/run.ts` fills them from the command line. */
export interface BenchOptions {
  /** User counts to measure. When undefined, each benchmark uses its own defaults. */
  users?: number[];
  /** Group counts for the planner. When undefined, the planner uses 100 and 500. */
  groups?: number[];
  /** Measured runs per case after one warm-up run, for benchmarks that repeat. */
  runs: number;
  /** `jobs.operationConcurrency` values for the full sync. When undefined, it uses 8 and 32. */
  concurrency?: number[];
  /** `ably.requestsPerSecond` of the SCIM client in the full sync. */
  requestsPerSecond: number;
}

/** One benchmark: a name to select it by and a run that returns its results as Markdown. */
export interface Benchmark {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<string>;
}
