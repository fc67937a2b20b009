import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/jobs/daemon.js';
import {
  createRedisConnection,
  FULL_SYNC_SCHEDULER_ID,
  INCREMENTAL_SYNC_SCHEDULER_ID,
  SYNC_QUEUE,
  type SyncJobData,
} from '../../src/jobs/queues.js';
import { installSchedules } from '../../src/jobs/sync-worker.js';
import { createLogger } from '../../src/logging.js';
import { RedisServer } from '../support/redis-server.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';
import { startJobsHarness, type JobsHarness } from './support/harness.js';

/** Polls `check` until it returns true, and throws naming `what` after `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Counts the jobs each daemon's operation worker completed. */
function countCompleted(daemon: Daemon): { count: number } {
  const counter = { count: 0 };
  daemon.workers[0]?.on('completed', () => {
    counter.count += 1;
  });
  return counter;
}

describe('replicas', () => {
  const harnesses: JobsHarness[] = [];
  let release = () => {};

  afterEach(async () => {
    // A failed expectation must not leave a run waiting inside its directory read.
    release();
    for (const harness of harnesses.splice(0)) {
      await harness.close();
    }
  });

  it('share syncs one at a time, and operations', async () => {
    const baseline = await startJobsHarness({ users: 30 });
    harnesses.push(baseline);
    await (await baseline.startDaemon()).syncAndWait('full');
    const singleDaemonWrites = baseline.emulator.stats().writes;

    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reads = 0;
    let inside = 0;
    let maxInside = 0;
    const harness = await startJobsHarness({
      users: 30,
      // The first run waits inside its directory read until the test releases it.
      beforeRead: async () => {
        reads += 1;
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        if (reads === 1) await gate;
        inside -= 1;
      },
    });
    harnesses.push(harness);
    harness.emulator.setFaults({ latencyMs: 10 });
    const first = await harness.startDaemon();
    const second = await harness.startDaemon();
    const firstCompleted = countCompleted(first);
    const secondCompleted = countCompleted(second);

    await first.requestSync('full');
    await second.requestSync('full');
    await eventually('the first run to start', () => reads >= 1);
    // Both replicas have an idle sync worker, so only the global limit keeps the second job waiting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reads).toBe(1);
    expect(await first.syncQueue.getJobCounts('active', 'waiting')).toEqual({ active: 1, waiting: 1 });

    release();
    await eventually('both runs to finish', async () => (await first.reports.list()).length === 2);

    expect(maxInside).toBe(1);
    const outcomes = (await first.reports.list()).map((summary) => summary.outcome);
    expect(outcomes).toEqual(['no-changes', 'applied']);
    expect(firstCompleted.count).toBeGreaterThan(0);
    expect(secondCompleted.count).toBeGreaterThan(0);
    expect(harness.emulator.stats().writes).toBe(singleDaemonWrites);
    const organization = harness.emulator.organization();
    expect(organization.users.filter((user) => user.active)).toHaveLength(30);
    expect(organization.groups.find((group) => group.externalId === 'g-engineering')?.memberIds).toHaveLength(30);
  });
});

describe('redis restart', () => {
  let server: RedisServer | undefined;
  let harness: JobsHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    await server?.dispose();
    harness = undefined;
    server = undefined;
  });

  it('syncs again after Redis comes back', async () => {
    server = await RedisServer.start();
    harness = await startJobsHarness({
      users: 3,
      redisUrl: server.url,
      configure: (config) => ({ ...config, schedule: { fullSyncEvery: '6h', incrementalSyncEvery: undefined } }),
    });
    const daemon = await harness.startDaemon({ schedule: true });
    await eventually('the scheduled first run', async () => (await daemon.reports.list()).length === 1);
    expect((await daemon.reports.list())[0]?.outcome).toBe('applied');

    await server.stop();
    await eventually('the daemon to see Redis gone', () => daemon.redis.status !== 'ready');
    await server.restart();
    await eventually('the schedule to be reinstalled', async () => (await daemon.syncQueue.getJobSchedulers()).length === 1);

    expect(await daemon.syncQueue.getGlobalConcurrency()).toBe(1);
    harness.directory.addUsers(1);
    const report = await daemon.syncAndWait('full');
    expect(report.results?.failed ?? 0).toBe(0);
    expect(harness.emulator.organization().users.filter((user) => user.active)).toHaveLength(4);
    // Redis lost the earlier reports. The runs since the restart, the reinstalled schedule's first run and ours, all succeeded.
    const reports = await daemon.reports.list();
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports.every((summary) => summary.outcome === 'applied' || summary.outcome === 'no-changes')).toBe(true);
  });
});

describe('installSchedules', () => {
  let redis: Redis | undefined;
  let queue: Queue<SyncJobData> | undefined;

  afterEach(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    redis?.disconnect();
  });

  it('keeps one scheduler per id', async () => {
    redis = createRedisConnection(testRedisUrl());
    const syncQueue = new Queue<SyncJobData>(SYNC_QUEUE, { connection: redis, prefix: freshPrefix('schedules') });
    queue = syncQueue;
    const logger = createLogger({ level: 'silent' });
    const everyById = async () =>
      Object.fromEntries((await syncQueue.getJobSchedulers()).map((scheduler) => [scheduler.key, scheduler.every]));

    await installSchedules(queue, { fullSyncEvery: '15m', incrementalSyncEvery: '5m' }, logger);
    await installSchedules(queue, { fullSyncEvery: '15m', incrementalSyncEvery: '5m' }, logger);
    expect(await everyById()).toEqual({ [FULL_SYNC_SCHEDULER_ID]: 900_000, [INCREMENTAL_SYNC_SCHEDULER_ID]: 300_000 });
    expect(await queue.getGlobalConcurrency()).toBe(1);

    await installSchedules(queue, { fullSyncEvery: '30m', incrementalSyncEvery: '1m' }, logger);
    expect(await everyById()).toEqual({ [FULL_SYNC_SCHEDULER_ID]: 1_800_000, [INCREMENTAL_SYNC_SCHEDULER_ID]: 60_000 });

    await installSchedules(queue, { fullSyncEvery: '30m' }, logger);
    expect(await everyById()).toEqual({ [FULL_SYNC_SCHEDULER_ID]: 1_800_000 });
    // Three upserts left one next job for the full-sync scheduler.
    // NOTE: the removed scheduler's first job, already waiting because no worker ran here, is not removed with it.
    const pending = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    const fullSyncJobs = pending.filter((job) => job.repeatJobKey === FULL_SYNC_SCHEDULER_ID);
    expect(fullSyncJobs).toHaveLength(1);
  });
});
