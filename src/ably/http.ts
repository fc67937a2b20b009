import pRetry from 'p-retry';
import type { Secret } from '../config/secret.js';
import { FatalError, TransientError, isTransient } from '../errors/index.js';
import type { Logger } from '../logging.js';
import { RateLimiter, type Clock, type Delay } from './rate-limiter.js';
import { classifyFailedResponse, parseRetryAfter } from './response-errors.js';

const SCIM_MEDIA_TYPE = 'application/scim+json';

/** The first wait of the exponential backoff when the server sent no `Retry-After`. */
const BACKOFF_BASE_MS = 500;
/** The maximum wait of the exponential backoff. */
const BACKOFF_MAX_MS = 30_000;

/** Settings of the SCIM HTTP transport. */
export interface ScimHttpOptions {
  /** The SCIM base URL, such as `https://example/scim/v2`, without a trailing slash. */
  baseUrl: string;
  username: Secret;
  password: Secret;
  requestsPerSecond: number;
  /** Retries after the first attempt for transient failures. */
  maxRetries: number;
  requestTimeoutMs: number;
  /**
   * The maximum `Retry-After` the client waits for in process. A longer one
   * ends the retries at once with a `TransientError` carrying `retryAfterMs`,
   * so the job queue can reschedule instead of holding a worker.
   */
  maxRetryAfterMs: number;
  logger: Logger;
  delay: Delay;
  random: () => number;
  now: Clock;
}

/** One SCIM request. */
export interface ScimRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path below the base URL, starting with `/`. */
  path: string;
  /** Query parameters; each value is percent-encoded with `encodeURIComponent`. */
  query?: Record<string, string | number>;
  body?: unknown;
  /** An ETag for `If-Match`. */
  ifMatch?: string;
}

/** A successful SCIM response. */
export interface ScimResponse {
  status: number;
  /** The parsed JSON body; undefined for an empty body such as a `204`. */
  body: unknown;
  /** The `ETag` header, when present. */
  etag: string | undefined;
}

/** Counters of the transport, for tests, metrics and benchmarks. */
export interface RequestStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Responses with status `429`. */
  throttled: number;
  /** Total time spent waiting for the rate limiter. */
  rateLimitWaitMs: number;
  /** Total time spent waiting between retries. */
  backoffWaitMs: number;
  /** Responses by status code; network failures and timeouts count as `0`. */
  byStatus: Record<number, number>;
}

/**
 * The HTTP transport of the SCIM client: Basic authentication, SCIM media
 * types, the rate limit, timeouts, retries and error classification.
 *
 * Retries run through p-retry with its own wait set to zero, because the wait
 * (the server's `Retry-After`, or jittered exponential backoff) is spent in
 * `onFailedAttempt` with the injected `delay`.
 */
export class ScimHttp {
  readonly #options: ScimHttpOptions;
  readonly #limiter: RateLimiter;
  readonly #logger: Logger;
  readonly #stats: RequestStats = {
    requests: 0,
    retries: 0,
    throttled: 0,
    rateLimitWaitMs: 0,
    backoffWaitMs: 0,
    byStatus: {},
  };

  constructor(options: ScimHttpOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.#limiter = new RateLimiter({
      requestsPerSecond: options.requestsPerSecond,
      now: options.now,
      delay: options.delay,
    });
    this.#logger = options.logger;
  }

  /** Returns a copy of the counters. */
  stats(): RequestStats {
    return { ...this.#stats, byStatus: { ...this.#stats.byStatus } };
  }

  /** Sends a request, retrying transient failures; throws a classified `SyncError`. */
  async request(request: ScimRequest): Promise<ScimResponse> {
    return pRetry((attempt) => this.#attempt(request, attempt), {
      retries: this.#options.maxRetries,
      minTimeout: 0,
      maxTimeout: 0,
      shouldRetry: ({ error }) => this.#isRetryable(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft <= 0 || !this.#isRetryable(error)) {
          return;
        }
        const waitMs = this.#waitBeforeRetry(error as TransientError, attemptNumber);
        this.#logger.warn(
          { method: request.method, path: request.path, attempt: attemptNumber, waitMs, err: error },
          'SCIM request failed, retrying',
        );
        this.#stats.backoffWaitMs += waitMs;
        await this.#options.delay(waitMs);
      },
    });
  }

  #isRetryable(error: unknown): boolean {
    if (!isTransient(error)) {
      return false;
    }
    return error.retryAfterMs === undefined || error.retryAfterMs <= this.#options.maxRetryAfterMs;
  }

  /** The server's `Retry-After` when it sent one, else equal-jitter exponential backoff. */
  #waitBeforeRetry(error: TransientError, attemptNumber: number): number {
    if (error.retryAfterMs !== undefined) {
      return error.retryAfterMs;
    }
    const ceilingMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attemptNumber - 1));
    return Math.round(ceilingMs / 2 + this.#options.random() * (ceilingMs / 2));
  }

  async #attempt(request: ScimRequest, attempt: number): Promise<ScimResponse> {
    // Awaited before the `+=`, which would otherwise read the counter before
    // the wait and lose the waits of concurrent requests.
    const waitedMs = await this.#limiter.acquire();
    this.#stats.rateLimitWaitMs += waitedMs;
    this.#stats.requests += 1;
    if (attempt > 1) {
      this.#stats.retries += 1;
    }

    // One timeout covers sending the request and reading the whole body.
    const signal = AbortSignal.timeout(this.#options.requestTimeoutMs);
    const response = await this.#send(request, signal);
    this.#count(response.status);
    const text = await this.#readText(request, response, signal);
    const body = parseJson(text);

    if (response.status === 429) {
      this.#stats.throttled += 1;
    }
    if (response.status >= 300) {
      throw classifyFailedResponse({
        method: request.method,
        path: request.path,
        status: response.status,
        body: body.ok ? body.value : undefined,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#options.now()),
      });
    }
    if (!body.ok) {
      throw new FatalError(
        `${request.method} ${request.path} returned HTTP ${response.status} with a body that is not JSON (content type ${response.headers.get('content-type') ?? 'missing'}). Check that the SCIM base URL points at the SCIM endpoint, not a login page or proxy.`,
      );
    }
    return { status: response.status, body: body.value, etag: response.headers.get('etag') ?? undefined };
  }

  async #send(request: ScimRequest, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      accept: `${SCIM_MEDIA_TYPE}, application/json;q=0.9`,
      authorization: this.#authorization(),
    };
    if (request.body !== undefined) {
      headers['content-type'] = SCIM_MEDIA_TYPE;
    }
    if (request.ifMatch !== undefined) {
      headers['if-match'] = request.ifMatch;
    }

    try {
      return await fetch(this.#url(request), {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // A SCIM endpoint that redirects is misconfigured or points at a login
        // page; following it would send the credentials to another URL.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      this.#count(0);
      throw this.#networkError(request, error, signal.aborted);
    }
  }

  async #readText(request: ScimRequest, response: Response, signal: AbortSignal): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.#networkError(request, error, signal.aborted);
    }
  }

  #networkError(request: ScimRequest, error: unknown, isTimeout: boolean): TransientError {
    const target = `${request.method} ${this.#options.baseUrl}${request.path}`;
    const fix = 'Check ably.scimBaseUrl and that the SCIM endpoint is reachable from here.';
    if (isTimeout) {
      return new TransientError(`${target} timed out after ${this.#options.requestTimeoutMs} ms. ${fix}`, { cause: error });
    }
    const code = findErrorCode(error);
    const reason = code === undefined ? '' : ` (${code})`;
    return new TransientError(`${target} failed on the network${reason}. ${fix}`, { cause: error });
  }

  #authorization(): string {
    const pair = `${this.#options.username.reveal()}:${this.#options.password.reveal()}`;
    return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
  }

  #url(request: ScimRequest): string {
    const query = Object.entries(request.query ?? {})
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
      .join('&');
    return `${this.#options.baseUrl}${request.path}${query ? `?${query}` : ''}`;
  }

  #count(status: number): void {
    this.#stats.byStatus[status] = (this.#stats.byStatus[status] ?? 0) + 1;
  }
}

/**
 * Returns the first `code` in an error's cause chain. undici wraps socket
 * errors in `TypeError: fetch failed`, with the code (ECONNRESET,
 * ECONNREFUSED, UND_ERR_SOCKET) on a cause.
 */
function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') {
    return { ok: true, value: undefined };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}
