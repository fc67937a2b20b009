/**
 * The Ably organization over SCIM 2.0: `createScimClient` returns the
 * `OrganizationClient` that the planner and the operation workers use.
 *
 * Rules a caller can rely on:
 * - Discovery reads `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas`
 *   once, on first use. Without PATCH support, updates are GET then PUT with
 *   `If-Match`. Without filter support, lookups list everything and match in
 *   the client.
 * - A group whose `members` array is absent or empty is read again with
 *   `GET /Groups/{id}?attributes=members`, and that result is final.
 * - PATCH requests carry at most 100 operations or member values at first.
 *   A `400 tooMany` halves the cap for the rest of the client's life and the
 *   rejected request is split and sent again.
 * - `429`, `5xx`, network failures and timeouts are retried up to
 *   `maxRetries` times, honouring `Retry-After`. Then a `TransientError` is
 *   thrown with `retryAfterMs`.
 */
export type { OrganizationClient } from './organization-client.js';
export {
  createScimClient,
  DEFAULT_MAX_RETRY_AFTER_MS,
  DEFAULT_PAGE_SIZE,
  type ScimClient,
  type ScimClientOptions,
} from './scim-client.js';
export { DEFAULT_MAX_PATCH_OPERATIONS } from './discovery.js';
export type { RequestStats } from './http.js';
export { equalityFilter, memberValuePath } from './filter.js';
