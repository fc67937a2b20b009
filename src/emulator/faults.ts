import { z } from 'zod';
import { ScimError } from './errors.js';

/**
 * Fault injection for SCIM requests, so that tests and benchmarks can see
 * how a client behaves under throttling, outages, latency and tight limits.
 * Faults apply to authenticated requests under `/scim/v2` only, never to
 * the admin API.
 */

/** The requests a fault applies to. An omitted field matches every request. */
export interface FaultScope {
  /** HTTP methods, upper case. */
  methods?: string[];
  /** A path prefix relative to the SCIM base URL, such as `/Groups`. */
  pathPrefix?: string;
}

/** 429 responses with `Retry-After`: on every Nth matching request, on the next N matching requests, or both. */
export interface RateLimitFault extends FaultScope {
  everyNth?: number;
  next?: number;
  /** The `Retry-After` value in seconds; default 1. */
  retryAfterSeconds?: number;
}

/** 500 or 503 responses on the next N matching requests. */
export interface ServerErrorFault extends FaultScope {
  next: number;
  /** Default 503. */
  status?: 500 | 503;
  /** Sent as `Retry-After` when set. */
  retryAfterSeconds?: number;
}

/** Every fault the emulator can inject. */
export interface EmulatorFaults {
  rateLimit: RateLimitFault | undefined;
  serverError: ServerErrorFault | undefined;
  /** Delay before each matching SCIM request is handled, in milliseconds. */
  latencyMs: number;
  latencyScope: FaultScope | undefined;
  /**
   * The maximum number of operations in one PATCH. A larger request gets
   * 400 `tooMany`, the closest RFC 7644 error type. It is not advertised,
   * because `/ServiceProviderConfig` has no field for it and real providers
   * enforce such limits without announcing them.
   */
  maxPatchOperations: number | undefined;
  /** Caps the page size; `/ServiceProviderConfig` advertises it as `filter.maxResults`. */
  maxResults: number | undefined;
  /**
   * When true, a GET or `.search` of groups returns `members: []`, as some
   * providers do to keep lists small. Asking for the attribute with
   * `attributes=members`, and filters on members, still see the real members.
   */
  omitMembersOnGet: boolean;
}

const scopeFields = {
  methods: z.array(z.string().min(1).transform((method) => method.toUpperCase())).optional(),
  pathPrefix: z.string().startsWith('/').optional(),
};

/** The schema of `PUT /admin/api/faults` bodies: any subset of `EmulatorFaults`, `null` to clear one. */
export const faultsUpdateSchema = z.strictObject({
  rateLimit: z
    .strictObject({
      ...scopeFields,
      everyNth: z.number().int().min(1).optional(),
      next: z.number().int().min(0).optional(),
      retryAfterSeconds: z.number().int().min(0).optional(),
    })
    .nullable()
    .optional(),
  serverError: z
    .strictObject({
      ...scopeFields,
      next: z.number().int().min(0),
      status: z.union([z.literal(500), z.literal(503)]).optional(),
      retryAfterSeconds: z.number().int().min(0).optional(),
    })
    .nullable()
    .optional(),
  latencyMs: z.number().int().min(0).optional(),
  latencyScope: z.strictObject(scopeFields).nullable().optional(),
  maxPatchOperations: z.number().int().min(1).nullable().optional(),
  maxResults: z.number().int().min(1).nullable().optional(),
  omitMembersOnGet: z.boolean().optional(),
});

/** A partial update of the faults; `null` clears one. */
export type FaultsUpdate = { [Key in keyof EmulatorFaults]?: EmulatorFaults[Key] | null };

/** The latency and injected error for one request. */
export interface FaultDecision {
  latencyMs: number;
  error: ScimError | undefined;
}

function noFaults(): EmulatorFaults {
  return {
    rateLimit: undefined,
    serverError: undefined,
    latencyMs: 0,
    latencyScope: undefined,
    maxPatchOperations: undefined,
    maxResults: undefined,
    omitMembersOnGet: false,
  };
}

/** The current faults and their counters. */
export class FaultController {
  private faults: EmulatorFaults = noFaults();
  private rateLimitSeen = 0;

  /** Returns a copy of the current faults. */
  current(): EmulatorFaults {
    return structuredClone(this.faults);
  }

  /** Merges a partial update into the current faults; counters of a replaced fault restart. */
  update(update: FaultsUpdate): void {
    const next: Record<string, unknown> = { ...this.faults };
    for (const [key, value] of Object.entries(update)) {
      if (value === undefined) continue;
      next[key] = value === null ? noFaults()[key as keyof EmulatorFaults] : structuredClone(value);
    }
    this.faults = next as unknown as EmulatorFaults;
    if ('rateLimit' in update) this.rateLimitSeen = 0;
  }

  /** Removes every fault. */
  clear(): void {
    this.faults = noFaults();
    this.rateLimitSeen = 0;
  }

  /** Decides the latency and any injected error for one SCIM request; consumes "next N" budgets. */
  decide(method: string, path: string): FaultDecision {
    const faults = this.faults;
    const latencyMs = faults.latencyMs > 0 && matches(faults.latencyScope, method, path) ? faults.latencyMs : 0;

    const rateLimit = faults.rateLimit;
    if (rateLimit && matches(rateLimit, method, path)) {
      this.rateLimitSeen += 1;
      const fromNext = (rateLimit.next ?? 0) > 0;
      const fromEvery = rateLimit.everyNth !== undefined && this.rateLimitSeen % rateLimit.everyNth === 0;
      if (fromNext) {
        rateLimit.next = (rateLimit.next ?? 0) - 1;
      }
      if (fromNext || fromEvery) {
        const seconds = rateLimit.retryAfterSeconds ?? 1;
        return { latencyMs, error: new ScimError(429, `Too many requests; retry after ${seconds} seconds`, { headers: { 'Retry-After': String(seconds) } }) };
      }
    }

    const serverError = faults.serverError;
    if (serverError && serverError.next > 0 && matches(serverError, method, path)) {
      serverError.next -= 1;
      const status = serverError.status ?? 503;
      const headers: Record<string, string> = serverError.retryAfterSeconds !== undefined ? { 'Retry-After': String(serverError.retryAfterSeconds) } : {};
      return { latencyMs, error: new ScimError(status, status === 503 ? 'Service unavailable (injected fault)' : 'Internal server error (injected fault)', { headers }) };
    }
    return { latencyMs, error: undefined };
  }
}

function matches(scope: FaultScope | undefined, method: string, path: string): boolean {
  if (!scope) return true;
  if (scope.methods && !scope.methods.includes(method)) return false;
  if (scope.pathPrefix && !path.toLowerCase().startsWith(scope.pathPrefix.toLowerCase())) return false;
  return true;
}
