import { InvalidObjectError } from '../errors/index.js';
import type { Logger } from '../logging.js';
import type { ScimHttp } from './http.js';
import { SCHEMA } from './wire.js';

/** One operation of a SCIM PATCH request (RFC 7644 section 3.5.2). */
export interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path?: string;
  value?: unknown;
}

/** Reads and lowers the shared cap on PATCH items per request. */
export interface PatchLimit {
  get(): number;
  lower(to: number): void;
}

/**
 * Sends PATCH requests to one resource, each built from at most `limit.get()`
 * items. An item is one operation, or one member value of an `add`. SCIM
 * defines no standard limit and providers differ in what they count, so the
 * cap applies to operations and values alike.
 *
 * When the provider responds with `400` and `scimType: tooMany`, the cap is halved
 * for this and every later request, and the rejected batch is sent again in
 * smaller pieces, down to one item per request.
 *
 * Returns the body of the last response: the resource after a `200`, or
 * undefined after a `204`.
 */
export async function sendPatchBatches<T>(options: {
  http: ScimHttp;
  logger: Logger;
  path: string;
  items: T[];
  toOperations: (batch: T[]) => PatchOperation[];
  limit: PatchLimit;
}): Promise<unknown> {
  const { http, logger, path, limit } = options;
  let pending = [...options.items];
  let lastBody: unknown;

  while (pending.length > 0) {
    const batchSize = Math.min(limit.get(), pending.length);
    const batch = pending.slice(0, batchSize);
    try {
      lastBody = (
        await http.request({
          method: 'PATCH',
          path,
          body: { schemas: [SCHEMA.patchOp], Operations: options.toOperations(batch) },
        })
      ).body;
    } catch (error) {
      const isTooMany = error instanceof InvalidObjectError && error.scimType === 'tooMany';
      if (!isTooMany || batchSize <= 1) {
        throw error;
      }
      const lowered = Math.max(1, Math.floor(batchSize / 2));
      limit.lower(lowered);
      logger.warn({ path, rejectedItems: batchSize, maxPatchOperations: lowered }, 'SCIM PATCH too large, splitting');
      continue;
    }
    pending = pending.slice(batchSize);
  }
  return lastBody;
}
