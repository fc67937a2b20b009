import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { RedisReportStore } from '../../src/jobs/report-store.js';
import type { RunReport } from '../../src/reports/types.js';
import { freshPrefix, testRedisUrl } from '../support/redis.js';

function report(index: number): RunReport {
  const minute = String(index).padStart(2, '0');
  return {
    runId: `run-${index}`,
    mode: 'full',
    outcome: index % 2 === 0 ? 'applied' : 'no-changes',
    startedAt: `2026-03-02T09:${minute}:00.000Z`,
    finishedAt: `2026-03-02T09:${minute}:30.000Z`,
    plan: {
      id: `plan-${index}`,
      createdAt: `2026-03-02T09:${minute}:00.000Z`,
      source: 'okta',
      isSourceComplete: true,
      operations: [],
      notices: [],
      counts: {},
    },
    results: { applied: index, skipped: 0, failed: 0, failures: [] },
  };
}

describe('RedisReportStore', () => {
  let redis: Redis | undefined;
  let directory: string | undefined;

  afterEach(async () => {
    redis?.disconnect();
    if (directory) await rm(directory, { recursive: true, force: true });
    redis = undefined;
    directory = undefined;
  });

  it('keeps the last N, newest first', async () => {
    redis = createRedisConnection(testRedisUrl());
    const store = new RedisReportStore({ redis, prefix: freshPrefix('reports'), keep: 3 });

    for (let index = 1; index <= 5; index += 1) {
      await store.save(report(index));
    }

    const summaries = await store.list();
    expect(summaries.map((summary) => summary.runId)).toEqual(['run-5', 'run-4', 'run-3']);
    expect(summaries[0]).toEqual({
      runId: 'run-5',
      planId: 'plan-5',
      mode: 'full',
      outcome: 'no-changes',
      startedAt: '2026-03-02T09:05:00.000Z',
      finishedAt: '2026-03-02T09:05:30.000Z',
      operationCount: 0,
    });
    expect((await store.list(2)).map((summary) => summary.runId)).toEqual(['run-5', 'run-4']);
    expect(await store.get('run-5')).toEqual(report(5));
    expect(await store.get('run-3')).toEqual(report(3));
    expect(await store.get('run-2')).toBeUndefined();
    expect(await store.get('run-1')).toBeUndefined();
  });

  it('writes JSON and HTML files to the report directory', async () => {
    redis = createRedisConnection(testRedisUrl());
    directory = await mkdtemp(join(tmpdir(), 'ably-idp-sync-reports-'));
    const reportDirectory = join(directory, 'nested', 'reports');
    const store = new RedisReportStore({ redis, prefix: freshPrefix('reports'), keep: 2, directory: reportDirectory });

    for (let index = 1; index <= 3; index += 1) {
      await store.save(report(index));
    }

    // Files are an archive: trimming Redis to the last N does not delete them.
    expect((await readdir(reportDirectory)).sort()).toEqual(['run-1.html', 'run-1.json', 'run-2.html', 'run-2.json', 'run-3.html', 'run-3.json']);
    const written = JSON.parse(await readFile(join(reportDirectory, 'run-3.json'), 'utf8')) as { runId: string; outcome: string; plan: { schemaVersion: number; planId: string } };
    expect(written.runId).toBe('run-3');
    expect(written.outcome).toBe(report(3).outcome);
    // The plan inside is in the documented report schema, as `plan --format json` prints it.
    expect(written.plan.schemaVersion).toBe(1);
    expect(written.plan.planId).toBe(report(3).plan.id);
    expect(await readFile(join(reportDirectory, 'run-3.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });
});
