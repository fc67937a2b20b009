import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';
import { GraphClientError, GraphError } from '@microsoft/microsoft-graph-client';
import {
  ConfigurationError,
  CursorExpiredError,
  FatalError,
  NotFoundError,
  TransientError,
  type SyncError,
} from '../../errors/index.js';

/** Graph error codes that mean a delta token can no longer be used (Graph delta query docs). */
const EXPIRED_DELTA_CODES = new Set(['syncStateNotFound', 'syncStateInvalid', 'resyncRequired']);

const CONSENT_HINT =
  'Check the app registration in Microsoft Entra ID: the tenant and client ids, the credential, and admin consent for the application permissions User.Read.All and GroupMember.Read.All.';

/**
 * Maps what the Graph client or `@azure/identity` threw to the project's
 * error taxonomy. The messages name the HTTP status and Graph's error code,
 * never a credential.
 */
export function mapGraphError(error: unknown, path: string): SyncError {
  if (error instanceof GraphClientError) {
    return mapClientError(error);
  }
  if (!(error instanceof GraphError)) {
    return new TransientError(`Microsoft Graph request to ${path} failed before a response arrived.`, { cause: error });
  }

  const status = error.statusCode;
  const code = error.code ?? 'unknown';
  if (status === 401 || status === 403) {
    return new FatalError(`Microsoft Graph rejected the request to ${path} with HTTP ${status} (${code}). ${CONSENT_HINT}`, { cause: error });
  }
  if (status === 410 || EXPIRED_DELTA_CODES.has(code)) {
    return new CursorExpiredError(`Microsoft Graph no longer accepts the delta token for ${path} (HTTP ${status}, ${code}). A full read is needed.`, { cause: error });
  }
  if (status === 429 || status >= 500 || status === -1) {
    return new TransientError(`Microsoft Graph request to ${path} failed with HTTP ${status} (${code}).`, {
      cause: error,
      retryAfterMs: parseRetryAfterMs(error.headers?.get('retry-after') ?? null),
    });
  }
  if (status === 404) {
    return new NotFoundError(`Microsoft Graph found no object at ${path} (HTTP 404, ${code}).`, { cause: error });
  }
  // Any other 4xx means the query itself is invalid: a bad userFilter, or a
  // page size the server does not accept. The pager lowers $top on this error.
  return new ConfigurationError(`Microsoft Graph rejected the query to ${path} with HTTP ${status} (${code}). Check the userFilter and pageSize settings.`, { cause: error });
}

/**
 * Errors from the token request arrive as a `GraphClientError` whose
 * `customError` is what `@azure/identity` threw (see `GraphTokenProvider`).
 */
function mapClientError(error: GraphClientError): SyncError {
  const cause: unknown = error.customError ?? error;
  if (cause instanceof AuthenticationError) {
    if (cause.statusCode >= 500 || cause.statusCode === 429) {
      return new TransientError(`The token endpoint failed with HTTP ${cause.statusCode}.`, { cause });
    }
    return new FatalError(`The token endpoint rejected the app's client credentials (HTTP ${cause.statusCode}, ${cause.errorResponse.error}). ${CONSENT_HINT}`, { cause });
  }
  // @azure/identity 4.13.1 raises AuthenticationRequiredError when the token
  // endpoint returns invalid_client (a wrong secret or certificate).
  if (cause instanceof AuthenticationRequiredError) {
    return new FatalError(`The token endpoint rejected the app's client credentials. ${CONSENT_HINT}`, { cause });
  }
  if (cause instanceof CredentialUnavailableError) {
    return new FatalError(`No access token could be requested: the credential is unusable (${cause.name}). ${CONSENT_HINT}`, { cause });
  }
  return new TransientError('Requesting an access token for Microsoft Graph failed.', { cause });
}

/** Reads `Retry-After` as seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function parseRetryAfterMs(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const dateMs = Date.parse(trimmed);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}
