import type { Logger } from '../../logging.js';
import type { OktaSourceConfig } from '../../config/schema.js';
import { FatalError } from '../../errors/index.js';
import { toSyncError, type OktaApi } from './client.js';
import { OKTA_GROUP_TYPES, type StatusPolicyOptions } from './map.js';

/** The client, settings and clock that the full and the incremental read share. */
export interface OktaReadContext {
  api: OktaApi;
  config: OktaSourceConfig;
  logger: Logger;
  clock: () => Date;
  policy: StatusPolicyOptions;
}

/** The `type` filter that selects the group types in `OKTA_GROUP_TYPES`. */
export const GROUP_TYPES_FILTER = OKTA_GROUP_TYPES.map((type) => `type eq "${type}"`).join(' or ');

/**
 * Turns a failed part of a read into an incomplete-read reason and logs it.
 * Rethrows what must stop the run instead: a `FatalError` (a rejected token)
 * and an abort requested by the caller.
 */
export function failureReason(context: OktaReadContext, part: string, error: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) {
    throw error;
  }
  const mapped = toSyncError(error, context.config.tokenEnv);
  if (mapped instanceof FatalError) {
    throw mapped;
  }
  context.logger.warn({ err: mapped, part }, 'okta read part failed');
  return `Reading ${part} from Okta failed: ${mapped.message}`;
}
