import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { Operation } from '../domain/operations.js';

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
  const digest = createHash('sha256').update(stringify(content) ?? '').digest('hex').slice(0, 32);
  return `op-${operation.kind}-${digest}`;
}

/** Returns a short, human-readable label for logs: the kind and the subject's IdP id. */
export function operationSubject(operation: Operation): string {
  switch (operation.kind) {
    case 'provision':
    case 'user-update':
      return operation.user.externalId;
    case 'deprovision':
    case 'domain-check':
      return operation.externalId;
    case 'group-create':
    case 'group-update':
      return operation.group.externalId;
    case 'group-delete':
      return operation.externalId;
    case 'membership-add':
    case 'membership-remove':
    case 'role-assignment':
      return operation.groupExternalId;
  }
}
