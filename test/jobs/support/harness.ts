import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import { createScimClient, type ScimClient } from '../../../src/ably/index.js';
import type { Secrets } from '../../../src/config/load.js';
import { Secret } from '../../../src/config/secret.js';
import type { Config } from '../../../src/config/schema.js';
import type { DirectoryConnector, DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../../src/domain/directory.js';
import type { Operation } from '../../../src/domain/operations.js';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../../src/jobs/daemon.js';
import { operationJobId } from '../../../src/jobs/job-ids.js';
import type { OperationJobData } from '../../../src/jobs/operation-worker.js';
import type { OperationOutcome, StateStore } from '../../../src/jobs/state-store.js';
import { createLogger, type Logger } from '../../../src/logging.js';
import { buildDesiredState } from '../../../src/reconcile/index.js';
import { createMetrics } from '../../../src/server/metrics.js';
import { freshPrefix, testRedisUrl } from '../../support/redis.js';
import { sampleConfig } from '../../support/sandbox.js';

/**
 * A small, editable directory and the emulator, for tests of the jobs layer.
 * The directory is served by an in-memory connector, so a test changes the
 * IdP side by editing arrays, and the SCIM client waits out `Retry-After` and
 * backoff without sleeping.
 */

export const ENGINEERING = 'g-engineering';
export const PLATFORM = 'g-platform';

/** The IdP side of a test: plain arrays that the connector copies on every read. */
export class MemoryDirectory {
  users: DirectoryUser[] = [];
  #created = 0;
  groups: DirectoryGroup[] = [
    { externalId: ENGINEERING, name: 'Engineering', memberIds: [] },
    { externalId: PLATFORM, name: 'Platform', memberIds: [] },
  ];

  /** Adds active users `u01`, `u02`, … (numbers never reused) with emails `user01@example.com`, …, as members of `groupId`. */
  addUsers(count: number, groupId = ENGINEERING): DirectoryUser[] {
    const added: DirectoryUser[] = [];
    for (let index = 0; index < count; index += 1) {
      this.#created += 1;
      const number = String(this.#created).padStart(2, '0');
      const user: DirectoryUser = {
        externalId: `u${number}`,
        login: `user${number}@example.com`,
        email: `user${number}@example.com`,
        givenName: 'User',
        familyName: number,
        displayName: `User ${number}`,
        lifecycle: 'active',
        sourceStatus: 'ACTIVE',
      };
      this.users.push(user);
      this.group(groupId).memberIds.push(user.externalId);
      added.push(user);
    }
    return added;
  }

  user(externalId: string): DirectoryUser {
    const user = this.users.find((candidate) => candidate.externalId === externalId);
    if (!user) throw new Error(`The test directory has no user ${externalId}`);
    return user;
  }

  group(externalId: string): DirectoryGroup {
    const group = this.groups.find((candidate) => candidate.externalId === externalId);
    if (!group) throw new Error(`The test directory has no group ${externalId}`);
    return group;
  }

  /** Deletes a user from the IdP and from every group. */
  removeUser(externalId: string): void {
    this.users = this.users.filter((user) => user.externalId !== externalId);
    for (const group of this.groups) {
      group.memberIds = group.memberIds.filter((id) => id !== externalId);
    }
  }

  snapshot(): DirectorySnapshot {
    return {
      source: 'file',
      users: structuredClone(this.users),
      groups: structuredClone(this.groups),
      isComplete: true,
      incompleteReasons: [],
      skipped: [],
      readAt: new Date().toISOString(),
    };
  }
}

/** Serves a `MemoryDirectory`. A `beforeRead` hook lets a test hold a run inside the directory read. */
export function createMemoryConnector(directory: MemoryDirectory, hooks: { beforeRead?: () => Promise<void> } = {}): DirectoryConnector {
  return {
    source: 'file',
    async readFull() {
      await hooks.beforeRead?.();
      return directory.snapshot();
    },
  };
}

/** Two groups mapped by IdP id (so renames keep them mapped), no hold unless a test sets one, deactivation as the deprovision mode. */
export function jobsConfig(redisUrl = testRedisUrl()): Config {
  const base = sampleConfig();
  return {
    ...base,
    source: { kind: 'file', path: 'in-memory' },
    ably: { ...base.ably, requestsPerSecond: 1000 },
    mapping: {
      groups: [
        {
          idpGroup: { id: ENGINEERING },
          accounts: [
            { account: 'acc-prod', roles: ['Developer'] },
            { account: 'acc-dev', roles: ['Admin'] },
          ],
        },
        { idpGroup: { id: PLATFORM }, accounts: [{ account: 'acc-prod', roles: ['Admin'] }] },
      ],
      includeUsers: [],
      excludeUsers: [],
    },
    policy: {
      ...base.policy,
      deprovision: { mode: 'deactivate', gracePeriod: '30d' },
      adoptExisting: true,
      holds: { maxRemovals: 1000, maxRemovalPercent: 100 },
    },
    redis: { url: redisUrl, prefix: freshPrefix('jobs') },
    jobs: { ...base.jobs, operationConcurrency: 4 },
  };
}

export interface HarnessOptions {
  users?: number;
  configure?: (config: Config) => Config;
  /** SCIM client retries after the first attempt. Default 5. */
  scimRetries?: number;
  /** Replaces the SCIM password the client sends, to test rejected credentials. */
  clientPassword?: string;
  logger?: Logger;
  beforeRead?: () => Promise<void>;
  redisUrl?: string;
}

/** The emulator, a SCIM client for it, the editable directory and the daemons a test started. */
export interface JobsHarness {
  emulator: RunningEmulator;
  client: ScimClient;
  directory: MemoryDirectory;
  connector: DirectoryConnector;
  config: Config;
  secrets: Secrets;
  logger: Logger;
  credentials: { username: string; password: string };
  /** Waits the SCIM client spent on `Retry-After` and backoff, in milliseconds, without sleeping. */
  clientWaits: number[];
  /** Starts a daemon on this harness's Redis prefix; `close` stops it. */
  startDaemon(overrides?: Partial<DaemonOptions>): Promise<Daemon>;
  /** Sends one SCIM request as an administrator would by hand, outside the daemon. */
  scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startJobsHarness(options: HarnessOptions = {}): Promise<JobsHarness> {
  const logger = options.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let config = jobsConfig(options.redisUrl);
  config = options.configure ? options.configure(config) : config;
  const credentials = { username: 'scim-jobs', password: randomBytes(12).toString('hex') };
  const emulator = await startEmulator({
    domain: config.organization.domain,
    accounts: config.organization.accounts,
    primaryAccount: config.organization.primaryAccount,
    credentials,
  });
  config = { ...config, ably: { ...config.ably, scimBaseUrl: emulator.scimBaseUrl } };

  const secrets: Secrets = {
    scimUsername: new Secret(credentials.username),
    scimPassword: new Secret(options.clientPassword ?? credentials.password),
  };
  const clientWaits: number[] = [];
  const client = createScimClient({
    baseUrl: emulator.scimBaseUrl,
    username: secrets.scimUsername,
    password: secrets.scimPassword,
    roleExtensionUrn: config.ably.roleExtensionUrn,
    requestsPerSecond: config.ably.requestsPerSecond,
    maxRetries: options.scimRetries ?? 5,
    requestTimeoutMs: 10_000,
    logger: logger.child({ component: 'scim-client' }),
    delay: async (milliseconds) => {
      clientWaits.push(milliseconds);
    },
  });

  const directory = new MemoryDirectory();
  directory.addUsers(options.users ?? 0);
  const connector = createMemoryConnector(directory, { beforeRead: options.beforeRead });
  const daemons: Daemon[] = [];

  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return {
    emulator,
    client,
    directory,
    connector,
    config,
    secrets,
    logger,
    credentials,
    clientWaits,
    async startDaemon(overrides = {}) {
      const daemon = await startDaemon({
        config,
        secrets,
        logger,
        connector,
        client,
        metrics: createMetrics({ collectDefault: false }),
        operationBackoffMs: 20,
        ...overrides,
      });
      daemons.push(daemon);
      return daemon;
    },
    async scim(method, path, body) {
      const response = await fetch(`${emulator.scimBaseUrl}${path}`, {
        method,
        headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      for (const daemon of daemons) {
        await daemon.stop();
      }
      await emulator.close();
    },
  };
}

/** Creates a user in the emulator as an administrator would by hand, and returns its SCIM id. */
export async function createUserByHand(
  harness: JobsHarness,
  user: { userName: string; externalId?: string },
): Promise<string> {
  const response = await harness.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: user.userName,
    emails: [{ value: user.userName, type: 'work', primary: true }],
    active: true,
    ...(user.externalId === undefined ? {} : { externalId: user.externalId }),
  });
  if (response.status !== 201) {
    throw new Error(`Creating ${user.userName} by hand returned HTTP ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return String(response.body.id);
}

/** Saves the desired state the planner would build from the harness directory, as a sync run does. */
export async function saveDesiredState(harness: JobsHarness, state: StateStore): Promise<void> {
  const desired = buildDesiredState(harness.directory.snapshot(), harness.config);
  await state.saveDesiredState(desired.users.values(), desired.groups.values());
}

/** Adds operation jobs the way a sync run does: deterministic ids, removed once finished. */
export async function enqueueOperations(
  daemon: Daemon,
  operations: Operation[],
  options: { attempts?: number; backoffMs?: number } = {},
): Promise<Job<OperationJobData>[]> {
  const jobs = operations.map((operation) => ({
    name: operation.kind,
    data: { runId: 'test-run', operation },
    opts: {
      jobId: operationJobId(operation),
      attempts: options.attempts ?? 5,
      backoff: { type: 'fixed', delay: options.backoffMs ?? 20 },
      removeOnComplete: true,
      removeOnFail: true,
    },
  }));
  await daemon.state.clearOutcomes(jobs.map((job) => job.opts.jobId));
  return daemon.operationsQueue.addBulk(jobs);
}

/** Polls the outcomes of operation jobs until every one is recorded, and throws after `timeoutMs`. */
export async function waitForOutcomes(state: StateStore, jobIds: string[], timeoutMs = 20_000): Promise<Map<string, OperationOutcome>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcomes = await state.outcomes(jobIds);
    if (outcomes.size === jobIds.length) return outcomes;
    if (Date.now() > deadline) {
      throw new Error(`Only ${outcomes.size} of ${jobIds.length} operation outcomes were recorded within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Enqueues operations, waits for their outcomes and returns them in the same order. */
export async function applyThroughQueue(daemon: Daemon, operations: Operation[]): Promise<OperationOutcome[]> {
  await enqueueOperations(daemon, operations);
  const jobIds = operations.map(operationJobId);
  const outcomes = await waitForOutcomes(daemon.state, jobIds);
  return jobIds.map((jobId) => {
    const outcome = outcomes.get(jobId);
    if (!outcome) throw new Error(`No outcome for ${jobId}`);
    return outcome;
  });
}

/** A reason for operations built by hand in tests. */
export const TEST_REASON = { rule: 'test', detail: 'Built by the test.' };

/**
 * Wraps an organization client so that `afterRead` runs once, right after the
 * first organization read: a change made by hand in Ably between planning and
 * applying, which the planner cannot see.
 */
export function changeAfterFirstRead<T extends object & { readOrganization(): Promise<unknown> }>(client: T, afterRead: () => Promise<void>): T {
  let done = false;
  return new Proxy(client, {
    get(target, property) {
      if (property === 'readOrganization') {
        return async () => {
          const snapshot = await target.readOrganization();
          if (!done) {
            done = true;
            await afterRead();
          }
          return snapshot;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      // The client keeps private fields, so its methods must run with the real object as `this`.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Returns `value`, or throws naming `what` when it is undefined, so a test fails with a clear message instead of a type assertion. */
export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`Expected ${what} to exist`);
  return value;
}
