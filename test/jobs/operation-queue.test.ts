import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Operation } from '../../src/domain/operations.js';
import { operationJobId } from '../../src/jobs/job-ids.js';
import type { OperationJobData } from '../../src/jobs/operation-worker.js';
import { readAndPlan } from '../../src/jobs/sync-run.js';
import {
  applyThroughQueue,
  defined,
  enqueueOperations,
  PLATFORM,
  saveDesiredState,
  startJobsHarness,
  TEST_REASON,
  waitForOutcomes,
  type JobsHarness,
} from './support/harness.js';

describe('operation jobs', () => {
  let harness: JobsHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('applies a plan enqueued twice once', async () => {
    harness = await startJobsHarness({ users: 4 });
    const producer = await harness.startDaemon({ work: false });
    const { plan, desired } = await readAndPlan(
      { config: harness.config, connector: harness.connector, client: harness.client, state: producer.state, logger: harness.logger },
      { mode: 'full' },
    );
    await producer.state.saveDesiredState(desired.users.values(), desired.groups.values());
    const firstPhase = plan.operations.filter((operation) => operation.kind === 'provision' || operation.kind === 'group-create');
    expect(firstPhase).toHaveLength(6);

    await enqueueOperations(producer, firstPhase);
    await enqueueOperations(producer, firstPhase);

    const counts = await producer.operationsQueue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    expect(counts.waiting).toBe(firstPhase.length);
    const jobIds = firstPhase.map(operationJobId);
    for (const jobId of jobIds) {
      expect(jobId).not.toContain(':');
      expect(jobId).not.toMatch(/^\d+$/);
    }
    expect(new Set(jobIds).size).toBe(jobIds.length);

    const consumer = await harness.startDaemon();
    const outcomes = await waitForOutcomes(consumer.state, jobIds);
    expect([...outcomes.values()].map((outcome) => outcome.result)).toEqual(firstPhase.map(() => 'applied'));
    expect(harness.emulator.stats().writes).toBe(firstPhase.length);
    expect(harness.emulator.organization().users).toHaveLength(4);
  });

  it('skips a provision no longer desired', async () => {
    harness = await startJobsHarness({ users: 2 });
    const daemon = await harness.startDaemon();
    const stale: Operation = { kind: 'provision', user: { externalId: 'u02', userName: 'user02@example.com', active: true }, reason: TEST_REASON };
    harness.directory.removeUser('u02');
    await saveDesiredState(harness, daemon.state);

    const [outcome] = await applyThroughQueue(daemon, [stale]);

    expect(outcome).toMatchObject({ result: 'skipped', writes: 0 });
    expect(harness.emulator.stats().writes).toBe(0);
    expect(harness.emulator.organization().users).toEqual([]);
  });

  it('applies the newest desired email', async () => {
    harness = await startJobsHarness({ users: 1 });
    const daemon = await harness.startDaemon();
    const stale: Operation = { kind: 'provision', user: { externalId: 'u01', userName: 'user01@example.com', active: true }, reason: TEST_REASON };
    Object.assign(harness.directory.user('u01'), { email: 'Changed.Email@example.com', login: 'changed.email@example.com' });
    await saveDesiredState(harness, daemon.state);

    const [outcome] = await applyThroughQueue(daemon, [stale]);

    expect(outcome).toMatchObject({ result: 'applied', writes: 1 });
    const users = harness.emulator.organization().users;
    expect(users.map((user) => [user.externalId, user.userName.toLowerCase()])).toEqual([['u01', 'changed.email@example.com']]);
  });

  it('retries a membership until its group exists', async () => {
    harness = await startJobsHarness({ users: 2 });
    const daemon = await harness.startDaemon();
    await daemon.syncAndWait('full');
    const platform = defined(harness.emulator.organization().groups.find((group) => group.externalId === PLATFORM), 'the Platform group');
    expect((await harness.scim('DELETE', `/Groups/${platform.id}`)).status).toBe(204);
    harness.directory.group(PLATFORM).memberIds.push('u01');
    await saveDesiredState(harness, daemon.state);

    const failedAttempts: string[] = [];
    const worker = defined(daemon.workers[0], 'the operation worker');
    const firstFailure = new Promise<void>((resolve) => {
      worker.on('failed', (job: Job<OperationJobData> | undefined, error: Error) => {
        failedAttempts.push(`${job?.data.operation.kind}: ${error.message}`);
        resolve();
      });
    });
    const membership: Operation = { kind: 'membership-add', groupExternalId: PLATFORM, userExternalIds: ['u01'], reason: TEST_REASON };
    await enqueueOperations(daemon, [membership], { attempts: 50, backoffMs: 50 });
    await firstFailure;
    expect(await daemon.state.outcomes([operationJobId(membership)])).toEqual(new Map());

    const [created] = await applyThroughQueue(daemon, [{ kind: 'group-create', group: { externalId: PLATFORM, displayName: 'Platform' }, reason: TEST_REASON }]);
    expect(created?.result).toBe('applied');
    const outcomes = await waitForOutcomes(daemon.state, [operationJobId(membership)]);

    expect(outcomes.get(operationJobId(membership))?.result).toBe('applied');
    expect(failedAttempts[0]).toContain('membership-add: The Ably group for IdP group g-platform does not exist yet');
    const group = harness.emulator.organization().groups.find((candidate) => candidate.externalId === PLATFORM);
    const u01 = harness.emulator.organization().users.find((user) => user.externalId === 'u01');
    expect(group?.memberIds).toEqual([u01?.id]);
  });

  it('fails at once on rejected credentials', async () => {
    harness = await startJobsHarness({ users: 1, clientPassword: 'not-the-scim-password' });
    const daemon = await harness.startDaemon();
    await saveDesiredState(harness, daemon.state);
    const provision: Operation = { kind: 'provision', user: { externalId: 'u01', userName: 'user01@example.com', active: true }, reason: TEST_REASON };
    const failed = new Promise<string>((resolve) => {
      defined(daemon.workers[0], 'the operation worker').once('failed', (_job, error: Error) => resolve(error.name));
    });

    const [outcome] = await applyThroughQueue(daemon, [provision]);
    expect(await failed).toBe('UnrecoverableError');

    expect(outcome?.result).toBe('failed');
    expect(outcome?.detail).toContain('rejected the credentials');
    expect(outcome?.detail).not.toContain('not-the-scim-password');
    // One request, the discovery that got 401: no retry in the client or in BullMQ.
    expect(harness.emulator.stats().total).toBe(1);
    expect(await daemon.operationsQueue.getJobCounts('waiting', 'delayed', 'active')).toEqual({ waiting: 0, delayed: 0, active: 0 });
  });
});
