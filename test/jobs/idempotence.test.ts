import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { OperationKind } from '../../src/domain/operations.js';
import { applyOperation, type ApplyContext } from '../../src/jobs/apply-operation.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { StateStore } from '../../src/jobs/state-store.js';
import { readAndPlan } from '../../src/jobs/sync-run.js';
import { testRedisUrl } from '../support/redis.js';
import { defined, ENGINEERING, PLATFORM, startJobsHarness, type JobsHarness } from './support/harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One operation kind: how to shape the organization first, then the change that makes the planner emit that kind. */
interface IdempotenceCase {
  kind: OperationKind;
  mode?: 'deactivate' | 'delete';
  /** Runs before the first sync, which brings the organization in step. */
  prepare?: (harness: JobsHarness) => void;
  /** Runs after the first sync, and may return the configuration to plan with. */
  change: (harness: JobsHarness) => Config | void | Promise<void>;
  /** How far past the real clock the plan is made, for the delete grace period. */
  planAheadMs?: number;
  /** Expected SCIM writes of the first application. */
  writes: number;
}

const CASES: IdempotenceCase[] = [
  {
    kind: 'provision',
    change: (harness) => {
      harness.directory.addUsers(1);
    },
    writes: 1,
  },
  {
    kind: 'user-update',
    change: (harness) => {
      Object.assign(harness.directory.user('u01'), { email: 'renamed@example.com', login: 'renamed@example.com' });
    },
    writes: 1,
  },
  {
    kind: 'deprovision',
    change: (harness) => harness.directory.removeUser('u02'),
    writes: 1,
  },
  {
    kind: 'deprovision',
    mode: 'delete',
    change: async (harness) => {
      harness.directory.removeUser('u02');
      // The deactivation, which records the time the grace period starts from.
      const daemon = await harness.startDaemon();
      await daemon.syncAndWait('full');
    },
    planAheadMs: 31 * DAY_MS,
    writes: 1,
  },
  {
    kind: 'domain-check',
    change: (harness) => {
      const [user] = harness.directory.addUsers(1);
      Object.assign(defined(user, 'the added user'), { email: 'outsider@contractor.example.net', login: 'outsider@contractor.example.net' });
    },
    writes: 0,
  },
  {
    kind: 'group-create',
    prepare: (harness) => {
      harness.directory.groups = harness.directory.groups.filter((group) => group.externalId !== PLATFORM);
    },
    change: (harness) => {
      harness.directory.groups.push({ externalId: PLATFORM, name: 'Platform', memberIds: [] });
    },
    writes: 1,
  },
  {
    kind: 'group-update',
    change: (harness) => {
      harness.directory.group(ENGINEERING).name = 'Product Engineering';
    },
    writes: 1,
  },
  {
    kind: 'group-delete',
    change: (harness) => {
      harness.directory.groups = harness.directory.groups.filter((group) => group.externalId !== PLATFORM);
    },
    writes: 1,
  },
  {
    kind: 'membership-add',
    change: (harness) => {
      harness.directory.group(PLATFORM).memberIds.push('u03');
    },
    writes: 1,
  },
  {
    kind: 'membership-remove',
    prepare: (harness) => {
      harness.directory.group(PLATFORM).memberIds.push('u01');
    },
    change: (harness) => {
      const engineering = harness.directory.group(ENGINEERING);
      engineering.memberIds = engineering.memberIds.filter((id) => id !== 'u01');
    },
    writes: 1,
  },
  {
    kind: 'role-assignment',
    change: (harness) => ({
      ...harness.config,
      mapping: {
        ...harness.config.mapping,
        groups: harness.config.mapping.groups.map((entry) =>
          entry.idpGroup.id === PLATFORM ? { ...entry, accounts: [{ account: 'acc-prod', roles: ['Developer' as const] }] } : entry,
        ),
      },
    }),
    writes: 1,
  },
];

describe('applyOperation run twice', () => {
  let harness: JobsHarness | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    await harness?.close();
    redis?.disconnect();
    harness = undefined;
    redis = undefined;
  });

  it.each(CASES.map((entry) => [`${entry.kind}${entry.mode ? ` (${entry.mode})` : ''}`, entry] as const))(
    '%s writes nothing the second time',
    async (_label, entry) => {
      harness = await startJobsHarness({
        users: 3,
        configure: (config) => ({ ...config, policy: { ...config.policy, deprovision: { mode: entry.mode ?? 'deactivate', gracePeriod: '30d' } } }),
      });
      entry.prepare?.(harness);
      const daemon = await harness.startDaemon();
      const seeded = await daemon.syncAndWait('full');
      expect(seeded.results?.failed).toBe(0);

      const config = (await entry.change(harness)) ?? harness.config;
      redis = createRedisConnection(testRedisUrl());
      const state = new StateStore(redis, harness.config.redis.prefix);
      const now = () => new Date(Date.now() + (entry.planAheadMs ?? 0));
      const { plan, desired } = await readAndPlan(
        { config, connector: harness.connector, client: harness.client, state, logger: harness.logger, now },
        { mode: 'full' },
      );
      const operations = plan.operations.filter(
        (operation) => operation.kind === entry.kind && (entry.mode === undefined || (operation.kind === 'deprovision' && operation.mode === entry.mode)),
      );
      expect(operations).toHaveLength(1);
      const operation = defined(operations[0], `the ${entry.kind} operation`);
      await state.saveDesiredState(desired.users.values(), desired.groups.values());

      const context: ApplyContext = { client: harness.client, state, logger: harness.logger, adoptExisting: true, now };
      harness.emulator.resetStats();
      const first = await applyOperation(operation, context);
      expect(first.writes).toBe(entry.writes);
      expect(harness.emulator.stats().writes).toBe(entry.writes);

      const afterFirst = harness.emulator.organization();
      harness.emulator.resetStats();
      const second = await applyOperation(operation, context);
      expect(second.writes).toBe(0);
      expect(second.result).toBe(entry.kind === 'domain-check' ? 'skipped' : 'unchanged');
      expect(harness.emulator.stats().writes).toBe(0);
      expect(harness.emulator.organization()).toEqual(afterFirst);

      // A plan made now has nothing left of this kind to do.
      const { plan: replanned } = await readAndPlan(
        { config, connector: harness.connector, client: harness.client, state, logger: harness.logger, now },
        { mode: 'full' },
      );
      const leftover = replanned.operations.filter((candidate) => candidate.kind === entry.kind && candidate.kind !== 'domain-check');
      expect(leftover).toEqual([]);
    },
  );
});
