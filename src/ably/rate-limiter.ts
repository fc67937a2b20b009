/** Waits for the given number of milliseconds. Injected so tests never sleep. */
export type Delay = (ms: number) => Promise<void>;

/** Returns the current time in milliseconds. Injected so tests control time. */
export type Clock = () => number;

/** Waits with a real timer. */
export const realDelay: Delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token bucket with a capacity of one token, refilled every `1000 / requestsPerSecond` ms.
 *
 * Starts are spaced at least one interval apart, so no half-open one-second
 * window contains more than `requestsPerSecond` starts. A bucket with a larger
 * capacity would allow a burst on top of the steady rate, and the Ably SCIM
 * rate limit is not published, so the client stays strictly under it.
 * Concurrent callers each reserve the next free start time without locking.
 * `Infinity` turns the limit off.
 */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #now: Clock;
  readonly #delay: Delay;
  #nextStartMs = Number.NEGATIVE_INFINITY;

  constructor(options: { requestsPerSecond: number; now: Clock; delay: Delay }) {
    if (!(options.requestsPerSecond > 0)) {
      throw new RangeError(`requestsPerSecond must be a positive number, got ${options.requestsPerSecond}.`);
    }
    this.#intervalMs = 1000 / options.requestsPerSecond;
    this.#now = options.now;
    this.#delay = options.delay;
  }

  /** Waits until the caller may start a request; returns how long it waited in milliseconds. */
  async acquire(): Promise<number> {
    const now = this.#now();
    const startMs = Math.max(now, this.#nextStartMs);
    this.#nextStartMs = startMs + this.#intervalMs;
    const waitMs = startMs - now;
    if (waitMs > 0) {
      await this.#delay(waitMs);
    }
    return waitMs;
  }
}
