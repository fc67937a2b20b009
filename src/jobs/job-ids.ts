import { createHash } from 'node:crypto';
import type { Operation } from '../domain/operations.js';
import { canonicalJson } from '../reconcile/index.js';

/**
 * Returns the BullMQ `jobId` of an operation: its kind and a hash of its
 * content without the report-only `reason`.
 *
 * The same change planned twice gets the same id, so BullMQ ignores the second
 * add while the first is waiting or running. A different change to the same
 * user gets a different id, so it is never swallowed by an older job. The id
 * has no `:` and is never a bare integer, as BullMQ requires of custom ids.
 */
export function operationJobId(operation: Operation): string {
  const { reason: _reason, ...content } = operation;
  const digest = createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
  return `op-${operation.kind}-${digest}`;
}
