import okta from '@okta/okta-sdk-nodejs';
import type { Collection } from '@okta/okta-sdk-nodejs';
import type { OktaSourceConfig } from '../../config/schema.js';
import type { Secret } from '../../config/secret.js';
import { FatalError, NotFoundError, SyncError, TransientError } from '../../errors/index.js';

/**
 * The Okta management API as the connector uses it: the SDK client, request
 * counting, page-by-page reads with retries, and the mapping of SDK errors
 * onto `src/errors`. Nothing here depends on the domain types.
 */

/** A counter incremented once per HTTP request; a prom-client `Counter` fits. */
export interface RequestCounter {
  inc(): void;
}

export interface OktaApiOptions {
  config: OktaSourceConfig;
  token: Secret;
  /** Also incremented for every request, retries included. */
  fetchCount?: RequestCounter;
  /** Waits between retries of a failed page; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
}

/** The SDK client with what the connector needs around it. */
export interface OktaApi {
  client: okta.Client;
  /** HTTP requests sent so far, retries included. */
  requestCount(): number;
  /**
   * Yields every item of a paged list, following `Link: rel="next"`. A page
   * that fails with a transient error is fetched again up to `maxRetries`
   * times; after that the mapped `SyncError` is thrown.
   */
  readAll<T>(open: () => Promise<Collection<T>>, options?: ReadAllOptions): AsyncGenerator<T>;
}

export interface ReadAllOptions {
  /**
   * Stops at the first empty page even when it carries a `next` link. Needed
   * for System Log polling queries, where Okta always sends `next`.
   */
  isPolling?: boolean;
  signal?: AbortSignal;
}

/** The first wait before fetching a failed page again; it doubles on each retry. */
const FIRST_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;

/** Creates the SDK client from explicit settings only. */
export function createOktaApi(options: OktaApiOptions): OktaApi {
  const { config } = options;
  const executor = new okta.DefaultRequestExecutor({
    maxRetries: config.maxRetries,
    requestTimeout: config.requestTimeoutMs,
  });
  let requests = 0;
  executor.on('request', () => {
    requests += 1;
    options.fetchCount?.inc();
  });

  // Every setting is explicit so `okta.yaml` files and `OKTA_CLIENT_*`
  // variables cannot change the org, the token or the auth mode. A null
  // cache middleware turns off the SDK's cache, which keeps single-object
  // GETs forever. NOTE: the SDK still routes through HTTPS_PROXY when that
  // variable is set; version 8.1 has no option to turn this off.
  const client = new okta.Client({
    orgUrl: config.orgUrl,
    token: options.token.reveal(),
    authorizationMode: 'SSWS',
    cacheMiddleware: null,
    requestExecutor: executor,
  });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function* readAll<T>(open: () => Promise<Collection<T>>, readOptions: ReadAllOptions = {}): AsyncGenerator<T> {
    readOptions.signal?.throwIfAborted();
    const collection = await withRetries(open, config.maxRetries, sleep, config.tokenEnv);
    while (true) {
      readOptions.signal?.throwIfAborted();
      const result = await withRetries(() => collection.next(), config.maxRetries, sleep, config.tokenEnv);

      // The SDK yields `null` for an empty page that still has a `next` link.
      if (result.value === null) {
        if (result.done || readOptions.isPolling) {
          return;
        }
        continue;
      }
      yield result.value;
      if (result.done) {
        return;
      }
    }
  }

  return { client, requestCount: () => requests, readAll };
}

/**
 * Maps an error from the SDK (`OktaApiError`, `HttpError`, a node-fetch
 * network or timeout error) onto the project's taxonomy. `tokenEnv` names the
 * variable that contains the token, so the message can name what to check.
 */
export function toSyncError(error: unknown, tokenEnv: string): SyncError {
  if (error instanceof SyncError) {
    return error;
  }
  const status = readStatus(error);
  const summary = describe(error);

  if (status === 401 || status === 403) {
    return new FatalError(
      `Okta rejected the API token with HTTP ${status} (${summary}). Check that ${tokenEnv} contains a valid, unexpired token of an admin allowed to read users, groups and the System Log.`,
      { cause: error },
    );
  }
  if (status === 404) {
    return new NotFoundError(`Okta returned HTTP 404: ${summary}`, { cause: error });
  }
  if (status === 429) {
    return new TransientError(`Okta rate limit still exceeded after the SDK's retries: ${summary}`, {
      cause: error,
      retryAfterMs: retryAfterMs(error),
    });
  }
  if (status !== undefined && status >= 500) {
    return new TransientError(`Okta returned HTTP ${status}: ${summary}`, { cause: error });
  }
  if (status !== undefined) {
    return new FatalError(`Okta rejected the request with HTTP ${status}: ${summary}`, { cause: error });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new FatalError('The Okta read was aborted.', { cause: error });
  }
  // No status: a network failure, a request timeout, or the SDK declining a
  // 429 retry that would exceed `requestTimeoutMs`. All may pass on retry.
  return new TransientError(`Okta request failed: ${summary}`, { cause: error });
}

async function withRetries<T>(
  call: () => Promise<T>,
  maxRetries: number,
  sleep: (ms: number) => Promise<void>,
  tokenEnv: string,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const mapped = toSyncError(error, tokenEnv);
      // A 429 that reaches here has already used the SDK's own retries.
      const isRetryable = mapped instanceof TransientError && readStatus(error) !== 429;
      if (!isRetryable || attempt >= maxRetries) {
        throw mapped;
      }
      await sleep(Math.min(FIRST_RETRY_DELAY_MS * 2 ** attempt, MAX_RETRY_DELAY_MS));
    }
  }
}

function readStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) {
    return undefined;
  }
  const status = Number(error.status);
  return Number.isInteger(status) ? status : undefined;
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'errorCode' in error && 'errorSummary' in error) {
    return `${String(error.errorCode)} ${String(error.errorSummary)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Computes the wait Okta requested: `X-Rate-Limit-Reset` (epoch seconds) minus the response's `Date`. */
function retryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('headers' in error)) {
    return undefined;
  }
  const headers = error.headers as { get?: (name: string) => string | null } | undefined;
  const reset = Number(headers?.get?.('x-rate-limit-reset'));
  const date = Date.parse(headers?.get?.('date') ?? '');
  if (!Number.isFinite(reset) || Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, reset * 1000 - date);
}
