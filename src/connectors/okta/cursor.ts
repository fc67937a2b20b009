import { CursorExpiredError } from '../../errors/index.js';

/**
 * The Okta incremental cursor: JSON, base64url-encoded so it stores as one
 * opaque token.
 */
export interface OktaCursor {
  /** ISO 8601 time of the last read's start; users with a later `lastUpdated` are read again. */
  since: string;
  /** ISO 8601 time from which the System Log is read. */
  logSince: string;
  /** uuids of System Log events already applied inside the overlap window, so they are not applied twice. */
  seenEventIds: string[];
}

/** Encodes a cursor for storage. */
export function encodeCursor(cursor: OktaCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** Decodes a stored cursor; an unreadable one raises `CursorExpiredError`, so the caller reads in full. */
export function decodeCursor(text: string): OktaCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new CursorExpiredError('The stored Okta cursor is not valid base64url JSON; a full read is needed.', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new CursorExpiredError('The stored Okta cursor is not a JSON object; a full read is needed.');
  }
  const { since, logSince, seenEventIds } = parsed as Record<string, unknown>;
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) {
    throw new CursorExpiredError(`The stored Okta cursor has an invalid since value ${JSON.stringify(since)}; a full read is needed.`);
  }
  const logStart = typeof logSince === 'string' && !Number.isNaN(Date.parse(logSince)) ? logSince : since;
  const seen = Array.isArray(seenEventIds) ? seenEventIds.filter((id): id is string => typeof id === 'string') : [];
  return { since, logSince: logStart, seenEventIds: seen };
}
