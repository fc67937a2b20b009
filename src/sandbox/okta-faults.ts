/**
 * Failures the local Okta server injects on request, so tests can check how
 * the connector handles server errors, throttling and slow replies.
 */

/** An injected failure: what it matches and what it does. */
export type OktaFault =
  | { kind: 'status'; path: RegExp; status: 500 | 503; remaining: number; skip: number }
  | { kind: 'rate-limit'; path: RegExp; remaining: number; resetAfterSeconds: number }
  | { kind: 'delay'; path: RegExp; remaining: number; delayMs: number };

/** The fault controls a test receives from `startOktaServer`. */
export interface OktaFaultControls {
  /** Fails the next `times` requests whose path matches, with `status` and an Okta error body. */
  failNext(options: { path: RegExp; status: 500 | 503; times?: number }): void;
  /**
   * Lets `page - 1` matching requests through, then fails the next `times`.
   * With one request per page and no retries before it, that is the Nth page.
   */
  failPage(options: { path: RegExp; page: number; status?: 500 | 503; times?: number }): void;
  /**
   * Rejects the next `times` matching requests with `429` and Okta's
   * `X-Rate-Limit-*` headers. `X-Rate-Limit-Reset` is the server clock plus
   * `resetAfterSeconds` (default 1). The Okta SDK 8.1 waits
   * reset − `Date` + 1 s, so `-1` makes it retry at once.
   */
  rateLimitNext(options: { path: RegExp; times?: number; resetAfterSeconds?: number }): void;
  /** Holds the next `times` matching replies for `delayMs`, to provoke client timeouts. */
  delayNext(options: { path: RegExp; delayMs: number; times?: number }): void;
  /** Drops every pending fault. */
  clear(): void;
}

/** The pending faults of one server and the controls that add them. */
export class OktaFaultList implements OktaFaultControls {
  readonly #faults: OktaFault[] = [];

  failNext(options: { path: RegExp; status: 500 | 503; times?: number }): void {
    this.#faults.push({ kind: 'status', path: options.path, status: options.status, remaining: options.times ?? 1, skip: 0 });
  }

  failPage(options: { path: RegExp; page: number; status?: 500 | 503; times?: number }): void {
    this.#faults.push({
      kind: 'status',
      path: options.path,
      status: options.status ?? 500,
      remaining: options.times ?? 1,
      skip: Math.max(0, options.page - 1),
    });
  }

  rateLimitNext(options: { path: RegExp; times?: number; resetAfterSeconds?: number }): void {
    this.#faults.push({
      kind: 'rate-limit',
      path: options.path,
      remaining: options.times ?? 1,
      resetAfterSeconds: options.resetAfterSeconds ?? 1,
    });
  }

  delayNext(options: { path: RegExp; delayMs: number; times?: number }): void {
    this.#faults.push({ kind: 'delay', path: options.path, remaining: options.times ?? 1, delayMs: options.delayMs });
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Returns the fault that applies to a request for `path`, spending one use of it. */
  take(path: string): OktaFault | undefined {
    for (const fault of this.#faults) {
      if (fault.remaining <= 0 || !fault.path.test(path)) {
        continue;
      }
      if (fault.kind === 'status' && fault.skip > 0) {
        fault.skip -= 1;
        continue;
      }
      fault.remaining -= 1;
      return fault;
    }
    return undefined;
  }
}
