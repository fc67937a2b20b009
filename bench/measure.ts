import { performance } from 'node:perf_hooks';

/** Bytes in a mebibyte, for the tables. */
const MIB = 1024 * 1024;

/** Returns the median of `values`, which is the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError('median needs at least one value');
  }
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs `work` once and returns its result with the elapsed wall time in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

/**
 * Runs a full garbage collection when the process was started with
 * `--expose-gc` (`bench/run.ts` starts its children that way), so heap
 * figures measured right after it count live objects only.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

/** Returns whether `collectGarbage()` does anything in this process. */
export function canCollectGarbage(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === 'function';
}

/**
 * Samples `process.memoryUsage.rss()` every `intervalMs` while started, and
 * keeps the maximum. A short spike between two samples can be missed, so the
 * peak is a lower bound.
 */
export class RssSampler {
  #peakBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 20) {}

  start(): void {
    this.#peakBytes = process.memoryUsage.rss();
    this.#timer = setInterval(() => this.#sample(), this.intervalMs);
    // The sampler must never keep a finished benchmark alive.
    this.#timer.unref();
  }

  /** Stops sampling and returns the peak RSS in bytes. */
  stop(): number {
    this.#sample();
    clearInterval(this.#timer);
    this.#timer = undefined;
    return this.#peakBytes;
  }

  #sample(): void {
    this.#peakBytes = Math.max(this.#peakBytes, process.memoryUsage.rss());
  }
}

/** Formats bytes as MiB with one decimal. */
export function formatMib(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

/** Formats milliseconds with a precision that suits their size. */
export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** Formats an integer with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Renders a Markdown table. Every row must have one cell per header. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const row of rows) {
    if (row.length !== headers.length) {
      throw new RangeError(`a table row has ${row.length} cells for ${headers.length} headers`);
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}
