/**
 * The Ably organization emulator: a strict SCIM 2.0 service provider
 * (RFC 7643, RFC 7644) under `/scim/v2`, with Ably's organization rules and
 * a read-only admin page under `/admin`.
 *
 * Choices where the RFCs leave room or clients differ, each enforced by a
 * test under `test/emulator`:
 * - PATCH `op` is case-insensitive (Entra sends `Replace`). A `remove` on
 *   `members` that carries a `value` array removes only those members (the
 *   form Entra documents). PATCH returns 200 with the resource, which
 *   RFC 7644 §3.5.2 allows in place of 204.
 * - Booleans must be JSON booleans: `"False"` is 400 `invalidValue`.
 * - A schema URN in `schemas` that the provider does not know is ignored
 *   when no attributes use it (Entra lists its ADSCIM Group schema that
 *   way). Attributes under such a URN are 400 `invalidValue`.
 * - Unknown core attributes are 400 `invalidSyntax`, an unknown attribute
 *   in a filter is 400 `invalidFilter`, and in a PATCH path or
 *   `attributes` parameter 400 `invalidPath`.
 * - Groups contain users only. A member that is not an existing user is
 *   400 `invalidValue`.
 * - Bulk is advertised unsupported and `/Bulk` returns 501.
 * - A user created without `active` is active.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError } from '../errors/index.js';
import { createLogger, type Logger } from '../logging.js';
import { FaultController, type FaultsUpdate } from './faults.js';
import { organizationView, type EmulatorAccount, type OrganizationSettings, type OrganizationView } from './organization.js';
import type { RenderContext } from './representation.js';
import { ResourceService } from './resource-service.js';
import { buildResourceModels, DEFAULT_ROLE_EXTENSION_URN } from './schemas.js';
import { createRequestHandler, SCIM_BASE_PATH } from './server.js';
import { RequestCounter, type EmulatorStats } from './stats.js';
import { ResourceStore } from './store.js';

export type { EmulatorFaults, FaultsUpdate, FaultScope, RateLimitFault, ServerErrorFault } from './faults.js';
export type { AccountRoles, EmulatorAccount, OrganizationView } from './organization.js';
export type { EmulatorStats } from './stats.js';
export { DEFAULT_ROLE_EXTENSION_URN } from './schemas.js';

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0, a free port. */
  port?: number;
  /** The organization's registered email domain. */
  domain: string;
  /** Whether subdomains of `domain` are accepted too; default false. */
  allowSubdomains?: boolean;
  accounts: EmulatorAccount[];
  /** The id of the primary account, which new users join as Developer. */
  primaryAccount: string;
  /** HTTP Basic credentials for `/scim/v2` and `/admin`. */
  credentials: { username: string; password: string };
  /** A SQLite file (WAL mode, so `-wal` and `-shm` files appear beside it) that keeps the state across restarts; omitted, the state lives in memory. */
  dataFile?: string;
  /** Default true. When false, `/Schemas` omits the group role extension and requests that use it get 400. */
  roleExtension?: boolean;
  /** Default `urn:ably:scim:schemas:extension:accountAccess:2.0:Group`. */
  roleExtensionUrn?: string;
  logger?: Logger;
  /** Waits out injected latency; tests pass a recorder instead of a real timer. */
  delay?: (milliseconds: number) => Promise<void>;
}

/** A started emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `url` + `/scim/v2`. */
  scimBaseUrl: string;
  /** Counts of SCIM requests; `POST .search` counts as a read. */
  stats(): EmulatorStats;
  resetStats(): void;
  /** Merges faults into the current ones, as `PUT /admin/api/faults` does; a `null` field clears that fault. */
  setFaults(faults: FaultsUpdate): void;
  clearFaults(): void;
  /** The same JSON as `GET /admin/api/organization`. */
  organization(): OrganizationView;
  close(): Promise<void>;
}

function checkOptions(options: EmulatorOptions): void {
  if (options.domain.trim() === '' || options.domain.includes('@')) {
    throw new ConfigurationError(`domain must be a bare email domain such as example.com, got "${options.domain}"`);
  }
  const ids = options.accounts.map((account) => account.id);
  if (ids.length === 0 || new Set(ids).size !== ids.length) {
    throw new ConfigurationError(`accounts must list at least one account and no id twice, got ${JSON.stringify(ids)}`);
  }
  if (!ids.includes(options.primaryAccount)) {
    throw new ConfigurationError(`primaryAccount "${options.primaryAccount}" is not one of the accounts (${ids.join(', ')})`);
  }
}

/** Starts the Ably organization emulator: a SCIM 2.0 service provider with Ably's organization rules. */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  checkOptions(options);
  const logger = (options.logger ?? createLogger({ level: 'silent' })).child({ component: 'emulator' });
  const roleExtensionUrn = options.roleExtension === false ? undefined : (options.roleExtensionUrn ?? DEFAULT_ROLE_EXTENSION_URN);
  const settings: OrganizationSettings = {
    domain: options.domain,
    allowSubdomains: options.allowSubdomains ?? false,
    accounts: options.accounts.map((account) => ({ ...account })),
    primaryAccount: options.primaryAccount,
    roleExtensionUrn,
  };
  const store = new ResourceStore(options.dataFile);
  const models = buildResourceModels(roleExtensionUrn);
  const faults = new FaultController();
  const counter = new RequestCounter();
  const render: RenderContext = { baseUrl: '', store, settings };
  const service = new ResourceService(store, settings, render);

  const server = createServer(createRequestHandler({ service, settings, models, render, faults, counter, credentials: options.credentials, logger, delay: options.delay ?? ((milliseconds) => sleep(milliseconds)) }));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  render.baseUrl = `${url}${SCIM_BASE_PATH}`;
  logger.info({ url, users: store.users.size, groups: store.groups.size, persistent: options.dataFile !== undefined }, 'emulator started');

  return {
    url,
    scimBaseUrl: render.baseUrl,
    stats: () => counter.snapshot(),
    resetStats: () => counter.reset(),
    setFaults: (update) => faults.update(update),
    clearFaults: () => faults.clear(),
    organization: () => organizationView(settings, store),
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      store.close();
      logger.info({ url }, 'emulator stopped');
    },
  };
}
