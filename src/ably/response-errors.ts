import {
  ConflictError,
  FatalError,
  InvalidObjectError,
  NotFoundError,
  TransientError,
  type SyncError,
} from '../errors/index.js';

/** The SCIM error schema of RFC 7644 section 3.12. */
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The longest `detail` text copied from a provider's error into a message. */
const MAX_DETAIL_LENGTH = 300;

/**
 * A `412 Precondition Failed`: the `If-Match` ETag no longer matches. It is an
 * `InvalidObjectError` to callers; the client itself reads and writes again.
 */
export class PreconditionFailedError extends InvalidObjectError {}

/** The parts of a failed response that the classification uses. */
export interface FailedResponse {
  method: string;
  /** The request path without the query string, which may hold user names. */
  path: string;
  status: number;
  /** The parsed body, or undefined when it was empty or not JSON. */
  body: unknown;
  retryAfterMs: number | undefined;
}

/** Reads `scimType` and `detail` from an RFC 7644 error body; returns undefined for any other body. */
export function readScimError(body: unknown): { scimType?: string; detail?: string } | undefined {
  if (typeof body !== 'object' || body === null) {
    return undefined;
  }
  const record = body as Record<string, unknown>;
  const schemas = record.schemas;
  const isScimError = Array.isArray(schemas) && schemas.includes(SCIM_ERROR_SCHEMA);
  if (!isScimError && record.status === undefined) {
    return undefined;
  }
  const result: { scimType?: string; detail?: string } = {};
  if (typeof record.scimType === 'string') {
    result.scimType = record.scimType;
  }
  if (typeof record.detail === 'string') {
    result.detail = record.detail.slice(0, MAX_DETAIL_LENGTH);
  }
  return result;
}

/**
 * Maps a failed SCIM response to the project's error taxonomy. This is the
 * only place that turns status codes into error classes.
 *
 * - `3xx`: `FatalError`, because redirects are not followed.
 * - `401`, `403`: `FatalError`, because no request can succeed with these credentials.
 * - `404`: `NotFoundError`. `409`: `ConflictError`.
 * - `400`, `412`, `413`, `422`: `InvalidObjectError` with the `scimType`.
 * - `408`, `429`, `5xx` except `501`: `TransientError`.
 * - Anything else (`405`, `415`, `501`, ...): `FatalError`, because the
 *   provider does not support what the client sends.
 */
export function classifyFailedResponse(response: FailedResponse): SyncError {
  const { method, path, status } = response;
  const scimError = readScimError(response.body);
  const where = `${method} ${path} returned HTTP ${status}`;
  const detail = scimError?.detail ? `: ${scimError.detail}` : '';
  const typeNote = scimError?.scimType ? ` (scimType ${scimError.scimType})` : '';

  if (status >= 300 && status < 400) {
    return new FatalError(
      `${where}, a redirect, which the client does not follow. Set the SCIM base URL to the Service Provider Configuration Endpoint shown in the Ably dashboard, without /ServiceProviderConfig.`,
    );
  }
  if (status === 401 || status === 403) {
    return new FatalError(
      `The Ably SCIM endpoint rejected the credentials: ${where}. Check the SCIM Username and SCIM Password shown in the Ably dashboard (Organization settings, SCIM provisioning) and the environment variables that hold them.`,
    );
  }
  if (status === 404) {
    return new NotFoundError(`${where}: the resource was not found${detail}`);
  }
  if (status === 409) {
    return new ConflictError(`${where}${typeNote}: the resource already exists${detail}`);
  }
  if (status === 412) {
    const options = scimError?.scimType ? { scimType: scimError.scimType } : {};
    return new PreconditionFailedError(`${where}: the resource changed since it was read (ETag mismatch)${detail}`, options);
  }
  if (status === 400 || status === 413 || status === 422) {
    const options = scimError?.scimType ? { scimType: scimError.scimType } : {};
    return new InvalidObjectError(`${where}${typeNote}: the request was rejected${detail}`, options);
  }
  if (status === 408 || status === 429 || (status >= 500 && status !== 501)) {
    const options = response.retryAfterMs !== undefined ? { retryAfterMs: response.retryAfterMs } : {};
    return new TransientError(`${where}${detail}`, options);
  }
  return new FatalError(`${where}, which the client does not handle${typeNote}${detail}`);
}

/**
 * Parses a `Retry-After` header (RFC 9110 section 10.2.3): delay seconds or an
 * HTTP date. Returns milliseconds from `nowMs`, or undefined when absent or invalid.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) {
    return undefined;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  // Every HTTP-date form starts with a day name; without this check
  // Date.parse would read a value such as "-5" as a year.
  const dateMs = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(dateMs)) {
    return undefined;
  }
  return Math.max(0, dateMs - nowMs);
}
