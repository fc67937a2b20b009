import { afterEach, describe, expect, it } from 'vitest';
import type { OrganizationClient } from '../../src/ably/organization-client.js';
import type { Config } from '../../src/config/schema.js';
import type { DirectoryUser } from '../../src/domain/directory.js';
import { defined, ENGINEERING, startJobsHarness, type HarnessOptions, type JobsHarness } from './support/harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const START = new Date('2026-03-02T09:00:00.000Z');

function withDeprovisionMode(mode: 'deactivate' | 'delete' | 'none'): (config: Config) => Config {
  return (config) => ({ ...config, policy: { ...config.policy, deprovision: { mode, gracePeriod: '30d' } } });
}

/** Returns a clock that the test moves forward by hand. */
function manualClock(start: Date): { now: () => Date; advance: (milliseconds: number) => void } {
  let current = start.getTime();
  return { now: () => new Date(current), advance: (milliseconds) => (current += milliseconds) };
}

function userByExternalId(harness: JobsHarness, externalId: string) {
  return harness.emulator.organization().users.find((user) => user.externalId === externalId);
}

describe('sync runs', () => {
  let harness: JobsHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function start(options: HarnessOptions): Promise<JobsHarness> {
    harness = await startJobsHarness(options);
    return harness;
  }

  describe('deprovision modes', () => {
    it('deactivate records the time in the ledger', async () => {
      const harness = await start({ users: 3 });
      const clock = manualClock(START);
      const daemon = await harness.startDaemon({ now: clock.now });
      await daemon.syncAndWait('full');
      harness.directory.removeUser('u02');
      clock.advance(60_000);

      const report = await daemon.syncAndWait('full');

      expect(report.plan.operations.filter((operation) => operation.kind === 'deprovision')).toMatchObject([{ externalId: 'u02', mode: 'deactivate' }]);
      expect(userByExternalId(harness, 'u02')?.active).toBe(false);
      expect(await daemon.state.deactivations()).toEqual(new Map([['u02', new Date(START.getTime() + 60_000).toISOString()]]));
    });

    it('delete waits out the grace period', async () => {
      const harness = await start({ users: 3, configure: withDeprovisionMode('delete') });
      const clock = manualClock(START);
      const daemon = await harness.startDaemon({ now: clock.now });
      await daemon.syncAndWait('full');
      harness.directory.removeUser('u02');

      await daemon.syncAndWait('full');
      expect(userByExternalId(harness, 'u02')?.active).toBe(false);

      clock.advance(29 * DAY_MS);
      harness.emulator.resetStats();
      const early = await daemon.syncAndWait('full');
      expect(early.outcome).toBe('no-changes');
      expect(harness.emulator.stats().writes).toBe(0);
      expect(userByExternalId(harness, 'u02')?.active).toBe(false);

      clock.advance(2 * DAY_MS);
      const late = await daemon.syncAndWait('full');
      expect(late.plan.operations.filter((operation) => operation.kind === 'deprovision')).toMatchObject([{ externalId: 'u02', mode: 'delete' }]);
      expect(late.results?.failed).toBe(0);
      expect(userByExternalId(harness, 'u02')).toBeUndefined();
      expect((await daemon.state.deactivations()).has('u02')).toBe(false);
    });

    it('delete reactivates a returning user', async () => {
      const harness = await start({ users: 3, configure: withDeprovisionMode('delete') });
      const clock = manualClock(START);
      const daemon = await harness.startDaemon({ now: clock.now });
      await daemon.syncAndWait('full');
      const original = userByExternalId(harness, 'u03');
      const returning: DirectoryUser = structuredClone(harness.directory.user('u03'));
      harness.directory.removeUser('u03');
      await daemon.syncAndWait('full');
      expect(userByExternalId(harness, 'u03')?.active).toBe(false);

      clock.advance(10 * DAY_MS);
      harness.directory.users.push(returning);
      harness.directory.group(ENGINEERING).memberIds.push('u03');
      const back = await daemon.syncAndWait('full');

      expect(back.plan.counts.provision).toBeUndefined();
      expect(back.plan.counts['user-update']).toBe(1);
      expect(userByExternalId(harness, 'u03')).toMatchObject({ id: original?.id, active: true });
      expect((await daemon.state.deactivations()).has('u03')).toBe(false);

      // Past the old grace period, the returned user stays.
      clock.advance(40 * DAY_MS);
      const later = await daemon.syncAndWait('full');
      expect(later.outcome).toBe('no-changes');
      expect(userByExternalId(harness, 'u03')?.active).toBe(true);
    });

    it('none leaves the user as it is', async () => {
      const harness = await start({ users: 3, configure: withDeprovisionMode('none') });
      const daemon = await harness.startDaemon();
      await daemon.syncAndWait('full');
      harness.directory.removeUser('u02');
      harness.emulator.resetStats();

      const report = await daemon.syncAndWait('full');

      // Mode none changes nothing in Ably: the user stays active and keeps its groups.
      expect(report.plan.counts).toEqual({});
      expect(report.outcome).toBe('no-changes');
      expect(harness.emulator.stats().writes).toBe(0);
      expect(userByExternalId(harness, 'u02')?.active).toBe(true);
      expect(await daemon.state.deactivations()).toEqual(new Map());
      expect(report.plan.notices.some((notice) => notice.kind === 'removals-withheld' && notice.subject === 'u02')).toBe(true);
    });
  });

  it('applies phases in order', async () => {
    const harness = await start({ users: 3 });
    const calls: string[] = [];
    const writes = new Set(['createUser', 'updateUser', 'setUserActive', 'deleteUser', 'createGroup', 'addGroupMembers', 'removeGroupMembers', 'setGroupAccountAccess']);
    const client = new Proxy(harness.client, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        const method = (value as (...args: unknown[]) => unknown).bind(target);
        if (typeof property !== 'string' || !writes.has(property)) return method;
        return (...args: unknown[]) => {
          calls.push(property);
          return method(...args);
        };
      },
    }) as OrganizationClient;
    const daemon = await harness.startDaemon({ client });

    await daemon.syncAndWait('full');
    const lastCreate = Math.max(calls.lastIndexOf('createUser'), calls.lastIndexOf('createGroup'));
    const firstLink = Math.min(calls.indexOf('addGroupMembers'), calls.indexOf('setGroupAccountAccess'));
    expect(calls.filter((call) => call === 'createUser')).toHaveLength(3);
    expect(lastCreate).toBeLessThan(firstLink);

    calls.length = 0;
    harness.directory.removeUser('u01');
    harness.directory.addUsers(1);
    await daemon.syncAndWait('full');
    expect(calls.indexOf('createUser')).toBeLessThan(calls.indexOf('addGroupMembers'));
    expect(calls.indexOf('addGroupMembers')).toBeLessThan(calls.indexOf('removeGroupMembers'));
    expect(calls.indexOf('addGroupMembers')).toBeLessThan(calls.indexOf('setUserActive'));
  });

  describe('safety hold', () => {
    const strict = (config: Config): Config => ({ ...config, policy: { ...config.policy, holds: { maxRemovals: 1, maxRemovalPercent: 100 } } });

    it('applies a held plan once approved', async () => {
      const harness = await start({ users: 4, configure: strict });
      const daemon = await harness.startDaemon();
      await daemon.syncAndWait('full');
      harness.directory.removeUser('u02');
      harness.directory.removeUser('u03');
      harness.emulator.resetStats();

      const heldReport = await daemon.syncAndWait('full');

      expect(heldReport.outcome).toBe('held');
      expect(heldReport.plan.hold?.removalCount).toBe(4);
      expect(heldReport.results).toBeUndefined();
      expect(harness.emulator.stats().writes).toBe(0);
      expect((await daemon.reports.list()).map((summary) => [summary.outcome, summary.planId])[0]).toEqual(['held', heldReport.plan.id]);

      await daemon.state.approvePlan(heldReport.plan.id, 'ops-lead');
      const approved = await daemon.syncAndWait('full', { approvedPlanId: heldReport.plan.id, trigger: 'approval' });

      expect(approved.plan.id).toBe(heldReport.plan.id);
      expect(approved.outcome).toBe('applied');
      expect(approved.results?.failed).toBe(0);
      expect(userByExternalId(harness, 'u02')?.active).toBe(false);
      expect(userByExternalId(harness, 'u03')?.active).toBe(false);
      expect(await daemon.state.approvedPlan()).toBeUndefined();
    });

    it('keeps holding when the directory changed', async () => {
      const harness = await start({ users: 5, configure: strict });
      const daemon = await harness.startDaemon();
      await daemon.syncAndWait('full');
      harness.directory.removeUser('u02');
      harness.directory.removeUser('u03');
      const heldReport = await daemon.syncAndWait('full');
      await daemon.state.approvePlan(heldReport.plan.id, 'ops-lead');

      harness.directory.removeUser('u04');
      harness.emulator.resetStats();
      const replanned = await daemon.syncAndWait('full', { approvedPlanId: heldReport.plan.id, trigger: 'approval' });
      // The stored approval alone does not cover the new plan either.
      const scheduled = await daemon.syncAndWait('full', { trigger: 'schedule' });

      expect(replanned.plan.id).not.toBe(heldReport.plan.id);
      expect(replanned.outcome).toBe('held');
      expect(scheduled.outcome).toBe('held');
      expect(harness.emulator.stats().writes).toBe(0);
      expect(harness.emulator.organization().users.filter((user) => user.active)).toHaveLength(5);
    });
  });

  describe('failures', () => {
    it('converges through client retries on 429 and 503', async () => {
      const harness = await start({ users: 6 });
      harness.emulator.setFaults({ rateLimit: { everyNth: 4, retryAfterSeconds: 2 }, serverError: { next: 3, status: 503 } });
      const daemon = await harness.startDaemon();

      const report = await daemon.syncAndWait('full');

      expect(report.results?.failed).toBe(0);
      expect(harness.clientWaits).toContain(2_000);
      expect(harness.emulator.organization().users.filter((user) => user.active)).toHaveLength(6);
      harness.emulator.clearFaults();
      expect((await daemon.syncAndWait('full')).outcome).toBe('no-changes');
    });

    it('converges through worker retries on 429 and 503', async () => {
      // No client retries: every fault reaches BullMQ, which retries the job or pauses the queue.
      const harness = await start({ users: 6, scimRetries: 0 });
      harness.emulator.setFaults({
        rateLimit: { methods: ['POST'], pathPrefix: '/Users', next: 1, retryAfterSeconds: 1 },
        serverError: { methods: ['POST', 'PATCH'], next: 4, status: 503 },
      });
      const daemon = await harness.startDaemon();
      const retried: string[] = [];
      defined(daemon.workers[0], 'the operation worker').on('failed', (job) => retried.push(job?.name ?? ''));

      const report = await daemon.syncAndWait('full');

      expect(report.results?.failed).toBe(0);
      expect(retried.length).toBeGreaterThanOrEqual(4);
      expect(harness.emulator.organization().users.filter((user) => user.active)).toHaveLength(6);
      expect(harness.emulator.organization().groups.map((group) => group.memberIds.length).sort()).toEqual([0, 6]);
      expect((await daemon.syncAndWait('full')).outcome).toBe('no-changes');
    });

    it('reports operations whose retries ran out', async () => {
      const harness = await start({ users: 3, scimRetries: 0 });
      harness.emulator.setFaults({ serverError: { methods: ['POST'], pathPrefix: '/Users', next: 1_000, status: 503 } });
      const daemon = await harness.startDaemon();

      const report = await daemon.syncAndWait('full');

      expect(report.outcome).toBe('applied');
      expect(report.results?.failed).toBe(3);
      expect(report.results?.failures.every((failure) => failure.error.includes('HTTP 503'))).toBe(true);
      // Five attempts per provision, and the groups and role links went through.
      expect(harness.emulator.stats().byMethod.POST).toBe(3 * 5 + 2);
      expect(harness.emulator.organization().groups).toHaveLength(2);

      harness.emulator.clearFaults();
      const retried = await daemon.syncAndWait('full');
      expect(retried.results?.failed).toBe(0);
      expect(harness.emulator.organization().users.filter((user) => user.active)).toHaveLength(3);
    });

    it('records a rejected user and applies the rest', async () => {
      // The planner accepts subdomains, the emulator does not, so one provision gets 400 invalidValue.
      const harness = await start({
        users: 3,
        configure: (config) => ({ ...config, organization: { ...config.organization, allowSubdomains: true } }),
      });
      Object.assign(harness.directory.user('u02'), { email: 'user02@eu.example.com', login: 'user02@eu.example.com' });
      const daemon = await harness.startDaemon();

      const report = await daemon.syncAndWait('full');

      expect(report.results?.failed).toBe(1);
      expect(report.results?.failures[0]?.operation).toMatch(/^op-provision-/);
      expect(report.results?.failures[0]?.error).toContain('HTTP 400');
      expect(report.results?.failures[0]?.error).toContain('invalidValue');
      expect(userByExternalId(harness, 'u02')).toBeUndefined();
      expect(userByExternalId(harness, 'u01')?.active).toBe(true);
      expect(userByExternalId(harness, 'u03')?.active).toBe(true);
      const engineering = harness.emulator.organization().groups.find((group) => group.externalId === ENGINEERING);
      expect(engineering?.memberIds).toHaveLength(2);
    });

    it('fails the run on rejected credentials', async () => {
      const harness = await start({ users: 2, clientPassword: 'not-the-scim-password' });
      const daemon = await harness.startDaemon();

      const error = await daemon.syncAndWait('full').then(
        () => undefined,
        (failure: unknown) => failure,
      );

      expect(error).toBeInstanceOf(Error);
      const message = (error as Error).message;
      expect(message).toContain('rejected the credentials');
      expect(message).toContain('SCIM Password');
      expect(message).not.toContain('not-the-scim-password');
      expect(message).not.toContain(harness.credentials.password);
      expect(harness.emulator.organization().users).toEqual([]);
    });
  });
});
