import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  GraphClientError,
  type AuthenticationProvider,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { Agent } from 'node:https';
import type { EntraSourceConfig } from '../../config/schema.js';
import { ConfigurationError, FatalError, isTransient, type SyncError } from '../../errors/index.js';
import type { Logger } from '../../logging.js';
import { mapGraphError } from './graph-errors.js';
import { Semaphore } from './semaphore.js';
import { HttpsTransport } from './transport.js';

/** One page of a Graph collection. */
export interface GraphPage {
  value: unknown[];
  nextLink?: string;
  deltaLink?: string;
}

/** Waits `ms` milliseconds; rejects when `signal` aborts. Injected so tests do not sleep. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface EntraGraphClientOptions {
  config: Pick<EntraSourceConfig, 'graphBaseUrl' | 'maxConcurrentRequests' | 'maxRetries'>;
  credential: TokenCredential;
  agent: Agent;
  logger: Logger;
  sleep?: Sleep;
  /** The backoff jitter source, which returns a number from 0 up to but excluding 1. */
  random?: () => number;
}

const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** How many times a rejected `$top` is lowered before the read gives up. */
const MAX_TOP_REDUCTIONS = 4;
/** The page size Graph uses when a request sets no `$top`. */
const GRAPH_DEFAULT_PAGE_SIZE = 100;

/**
 * Reads Microsoft Graph through `@microsoft/microsoft-graph-client`, with
 * auth, paging, throttling and error mapping.
 *
 * Retries are owned here rather than by the SDK's RetryHandler, which is left
 * out of the middleware chain. The SDK handler sleeps with its own timer, so
 * tests could not inject a delay. It also does not retry network failures.
 * Here a `429`, `5xx` or network failure is retried up to `maxRetries` times,
 * waiting `Retry-After` when the server sent it and a jittered exponential
 * backoff otherwise. The SDK's redirect and telemetry handlers are left out
 * too, because these reads need neither.
 */
export class EntraGraphClient {
  readonly #client: Client;
  readonly #transport: HttpsTransport;
  readonly #semaphore: Semaphore;
  readonly #maxRetries: number;
  readonly #graphBaseUrl: string;
  readonly #logger: Logger;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  /** `$top` values the server accepted after a rejection, by path template. */
  readonly #acceptedTop = new Map<string, number>();

  constructor(options: EntraGraphClientOptions) {
    const baseUrl = new URL(options.config.graphBaseUrl);
    this.#graphBaseUrl = options.config.graphBaseUrl.replace(/\/+$/, '');
    this.#logger = options.logger;
    this.#maxRetries = options.config.maxRetries;
    this.#semaphore = new Semaphore(options.config.maxConcurrentRequests);
    this.#sleep = options.sleep ?? sleepWithSignal;
    this.#random = options.random ?? Math.random;
    this.#transport = new HttpsTransport({ agent: options.agent });

    const tokenProvider = new GraphTokenProvider(
      new TokenCredentialAuthenticationProvider(options.credential, { scopes: [`${baseUrl.origin}/.default`] }),
    );
    this.#client = Client.initWithMiddleware({
      middleware: [new AuthenticationHandler(tokenProvider), this.#transport],
      // The auth handler adds the token only for Graph's own hosts and these.
      customHosts: new Set([baseUrl.hostname]),
    });
  }

  /** HTTP requests sent to Graph so far, retries included; token requests are not counted. */
  get requestCount(): number {
    return this.#transport.requestCount;
  }

  /** Builds an absolute Graph URL from a path such as `/users` and query parameters. */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const parts = Object.entries(query)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
    return `${this.#graphBaseUrl}${path}${parts.length > 0 ? `?${parts.join('&')}` : ''}`;
  }

  /**
   * Yields every page of a collection, following `@odata.nextLink` exactly as
   * received. With `top`, the first request sets `$top` to it. When the
   * server rejects that with `400`, the size is lowered and the request sent
   * again: first to 100, Graph's default page size, then by halves.
   */
  async *pages(path: string, query: Record<string, string | undefined>, options: { top?: number; signal?: AbortSignal } = {}): AsyncGenerator<GraphPage> {
    const template = path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}');
    let top = options.top === undefined ? undefined : Math.min(options.top, this.#acceptedTop.get(template) ?? options.top);
    let page: GraphPage | undefined;

    for (let reductions = 0; page === undefined; reductions += 1) {
      try {
        page = await this.getPage(this.url(path, { ...query, $top: top?.toString() }), options.signal);
      } catch (error) {
        if (!(error instanceof ConfigurationError) || top === undefined || top <= 1 || reductions >= MAX_TOP_REDUCTIONS) {
          throw error;
        }
        const lowered = top > GRAPH_DEFAULT_PAGE_SIZE ? GRAPH_DEFAULT_PAGE_SIZE : Math.floor(top / 2);
        this.#logger.warn({ path: template, rejectedTop: top, top: lowered }, 'graph rejected page size, lowering $top');
        top = lowered;
      }
    }
    if (top !== undefined && top !== options.top) {
      this.#acceptedTop.set(template, top);
    }

    yield page;
    while (page.nextLink !== undefined) {
      page = await this.getPage(page.nextLink, options.signal);
      yield page;
    }
  }

  /** Sends one GET, retrying transient failures; throws a mapped `SyncError`. */
  async getPage(url: string, signal?: AbortSignal): Promise<GraphPage> {
    const path = new URL(url).pathname;
    for (let attempt = 0; ; attempt += 1) {
      signal?.throwIfAborted();
      let failure: SyncError;
      try {
        const request = signal === undefined ? this.#client.api(url) : this.#client.api(url).option('signal', signal);
        const body: unknown = await this.#semaphore.run(() => request.get());
        return toPage(body, path);
      } catch (error) {
        failure = error instanceof FatalError ? error : mapGraphError(error, path);
      }
      if (!isTransient(failure) || attempt >= this.#maxRetries) {
        throw failure;
      }
      const delayMs = failure.retryAfterMs ?? this.#backoffMs(attempt);
      this.#logger.warn({ path, attempt: attempt + 1, delayMs, hasRetryAfter: failure.retryAfterMs !== undefined, err: failure }, 'graph request failed, retrying');
      await this.#sleep(delayMs, signal);
    }
  }

  #backoffMs(attempt: number): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    // Half fixed, half random, so concurrent readers spread out but still back off.
    return Math.round(ceiling / 2 + (ceiling / 2) * this.#random());
  }
}

/**
 * Wraps the SDK's token provider so a failed token request reaches the caller
 * intact: `GraphRequest` rethrows a `GraphClientError` as it is but turns any
 * other error into a `GraphError` that has lost the original.
 */
class GraphTokenProvider implements AuthenticationProvider {
  readonly #inner: AuthenticationProvider;

  constructor(inner: AuthenticationProvider) {
    this.#inner = inner;
  }

  async getAccessToken(): Promise<string> {
    try {
      return await this.#inner.getAccessToken();
    } catch (error) {
      if (error instanceof GraphClientError) {
        throw error;
      }
      const wrapped = new GraphClientError('Requesting an access token for Microsoft Graph failed.');
      wrapped.customError = error;
      throw wrapped;
    }
  }
}

function toPage(body: unknown, path: string): GraphPage {
  if (typeof body !== 'object' || body === null || !('value' in body) || !Array.isArray(body.value)) {
    throw new FatalError(`Microsoft Graph returned a response for ${path} without a value array, so it is not a Graph collection.`);
  }
  const record = body as Record<string, unknown>;
  const nextLink = record['@odata.nextLink'];
  const deltaLink = record['@odata.deltaLink'];
  return {
    value: body.value,
    nextLink: typeof nextLink === 'string' ? nextLink : undefined,
    deltaLink: typeof deltaLink === 'string' ? deltaLink : undefined,
  };
}

function sleepWithSignal(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
