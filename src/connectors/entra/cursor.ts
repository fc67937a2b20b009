import { CursorExpiredError } from '../../errors/index.js';

/**
 * The Entra incremental cursor: both delta links plus what the next round
 * needs to know about groups, as JSON encoded with base64url so it stores as
 * one opaque token.
 */
export interface EntraCursor {
  /** `@odata.deltaLink` of the last `/users/delta` round. */
  usersDeltaLink: string;
  /** `@odata.deltaLink` of the last `/groups/delta` round. */
  groupsDeltaLink: string;
  /**
   * The groups in scope when the cursor was made, id → display name, so a
   * members-only change is matched without the group's name and a re-read
   * group keeps its name.
   */
  groups: Record<string, string>;
  /** For `nestedGroups: flatten`: nested group id → ids of the in-scope groups that contain it directly. */
  nestedParents: Record<string, string[]>;
}

/** Encodes a cursor for storage. */
export function encodeCursor(cursor: EntraCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** Decodes a stored cursor; an unreadable one raises `CursorExpiredError`, so the caller reads in full. */
export function decodeCursor(text: string): EntraCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new CursorExpiredError('The stored Entra cursor is not valid base64url JSON; a full read is needed.', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new CursorExpiredError('The stored Entra cursor is not a JSON object; a full read is needed.');
  }
  const { usersDeltaLink, groupsDeltaLink, groups, nestedParents } = parsed as Record<string, unknown>;
  if (typeof usersDeltaLink !== 'string' || typeof groupsDeltaLink !== 'string') {
    throw new CursorExpiredError('The stored Entra cursor lacks its delta links; a full read is needed.');
  }
  return {
    usersDeltaLink,
    groupsDeltaLink,
    groups: isStringRecord(groups) ? groups : {},
    nestedParents: isStringListRecord(nestedParents) ? nestedParents : {},
  };
}

function isStringListRecord(value: unknown): value is Record<string, string[]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((list) => Array.isArray(list) && list.every((item) => typeof item === 'string'))
  );
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && Object.values(value).every((name) => typeof name === 'string');
}
