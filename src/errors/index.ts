/**
 * The error taxonomy. Each class drives one behaviour, so callers branch on
 * `instanceof` or `code`, never on message text. Only the HTTP clients map
 * status codes to these.
 */

export type ErrorCode =
  | 'TRANSIENT'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'INVALID_OBJECT'
  | 'FATAL'
  | 'CONFIGURATION'
  | 'INCOMPLETE_READ';

/** Base class of every error this project raises on purpose. */
export class SyncError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Worth retrying: `429`, `5xx`, network failures, timeouts. */
export class TransientError extends SyncError {
  /** The wait the server requested in `Retry-After`, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('TRANSIENT', message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The object already exists (SCIM `409 uniqueness`): adopt it. */
export class ConflictError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

/** The object does not exist: recreate it or treat the operation as done, by operation. */
export class NotFoundError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}

/** The server rejected this object's data: skip the object and report it, keep the run going. */
export class InvalidObjectError extends SyncError {
  /** SCIM `scimType`, when the server sent one. */
  readonly scimType: string | undefined;

  constructor(message: string, options?: { cause?: unknown; scimType?: string }) {
    super('INVALID_OBJECT', message, options);
    this.scimType = options?.scimType;
  }
}

/** Nothing more can succeed in this run (`401`, `403`, a provider that breaks the protocol): stop it. */
export class FatalError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FATAL', message, options);
  }
}

/** The configuration is invalid; the message names the key and the fix. */
export class ConfigurationError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIGURATION', message, options);
  }
}

/** Returns true when retrying the failed call may succeed. */
export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** The IdP no longer accepts the incremental cursor (an expired Entra delta token, an Okta log gap): read in full. */
export class CursorExpiredError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INCOMPLETE_READ', message, options);
  }
}
