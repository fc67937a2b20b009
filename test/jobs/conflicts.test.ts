import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrganizationClient } from '../../src/ably/organization-client.js';
import { applyOperation, type ApplyContext } from '../../src/jobs/apply-operation.js';
import { operationJobId } from '../../src/jobs/job-ids.js';
import { createRedisConnection } from '../../src/jobs/queues.js';
import { StateStore } from '../../src/jobs/state-store.js';
import { testRedisUrl } from '../support/redis.js';
import {
  changeAfterFirstRead,
  defined,
  createUserByHand,
  saveDesiredState,
  startJobsHarness,
  TEST_REASON,
  type JobsHarness,
} from './support/harness.js';

/** Returns the emulator's user with this IdP id, or undefined. */
function userByExternalId(harness: JobsHarness, externalId: string) {
  return harness.emulator.organization().users.find((user) => user.externalId === externalId);
}

/**
 * Wraps the client so that `method` first deletes its target by hand, as an
 * administrator racing the worker would, and then runs as usual.
 */
function deletedJustBefore(harness: JobsHarness, method: 'deleteUser' | 'deleteGroup' | 'updateUser' | 'setUserActive'): OrganizationClient {
  const resource = method === 'deleteGroup' ? 'Groups' : 'Users';
  return new Proxy(harness.client, {
    get(client, property) {
      const value: unknown = Reflect.get(client, property, client);
      if (typeof value !== 'function') return value;
      const original = (value as (...args: unknown[]) => Promise<unknown>).bind(client);
      if (property !== method) return original;
      return async (id: string, ...rest: unknown[]) => {
        expect((await harness.scim('DELETE', `/${resource}/${id}`)).status).toBe(204);
        return original(id, ...rest);
      };
    },
  });
}

describe('409 on create', () => {
  let harness: JobsHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('adopts a same-userName user when allowed', async () => {
    harness = await startJobsHarness({ users: 2 });
    const handMadeId = await createUserByHand(harness, { userName: 'USER01@Example.COM' });
    const daemon = await harness.startDaemon();

    const report = await daemon.syncAndWait('full');

    expect(report.results?.failed).toBe(0);
    const adopted = userByExternalId(harness, 'u01');
    expect(adopted?.id).toBe(handMadeId);
    expect(adopted?.userName).toBe('user01@example.com');
    expect(harness.emulator.organization().users).toHaveLength(2);
  });

  it('adopts a user created after planning', async () => {
    const started = await startJobsHarness({ users: 2 });
    harness = started;
    let handMadeId = '';
    const client = changeAfterFirstRead(started.client, async () => {
      handMadeId = await createUserByHand(started, { userName: 'User02@EXAMPLE.com' });
    });
    const daemon = await harness.startDaemon({ client });

    const report = await daemon.syncAndWait('full');

    expect(report.plan.counts.provision).toBe(2);
    expect(report.results?.failed).toBe(0);
    expect(userByExternalId(harness, 'u02')?.id).toBe(handMadeId);
  });

  it('reports an unmanaged holder when adoption is off', async () => {
    const started = await startJobsHarness({
      users: 3,
      configure: (config) => ({ ...config, policy: { ...config.policy, adoptExisting: false } }),
    });
    harness = started;
    const client = changeAfterFirstRead(started.client, async () => {
      await createUserByHand(started, { userName: 'User02@Example.com' });
    });
    const daemon = await harness.startDaemon({ client });

    const report = await daemon.syncAndWait('full');

    const provision = defined(
      report.plan.operations.find((operation) => operation.kind === 'provision' && operation.user.externalId === 'u02'),
      'the provision of u02',
    );
    expect(report.results?.failed).toBe(1);
    expect(report.results?.failures[0]?.operation).toBe(operationJobId(provision));
    expect(report.results?.failures[0]?.error).toMatch(/User02@example\.com|user02@example\.com/i);
    expect(report.results?.failures[0]?.error).toContain('policy.adoptExisting');
    // The run went on: the other users, the groups and the links exist.
    expect(userByExternalId(harness, 'u01')?.active).toBe(true);
    expect(userByExternalId(harness, 'u03')?.active).toBe(true);
    expect(harness.emulator.organization().users.find((user) => user.userName.toLowerCase() === 'user02@example.com')?.externalId).toBeUndefined();
    expect(harness.emulator.organization().groups).toHaveLength(2);
  });

  it('reports a holder managed for another IdP id', async () => {
    const started = await startJobsHarness({ users: 2 });
    harness = started;
    const client = changeAfterFirstRead(started.client, async () => {
      await createUserByHand(started, { userName: 'user02@example.com', externalId: 'other-idp-7' });
    });
    const daemon = await harness.startDaemon({ client });

    const report = await daemon.syncAndWait('full');

    expect(report.results?.failed).toBe(1);
    expect(report.results?.failures[0]?.error).toContain('another IdP id (other-idp-7)');
    expect(userByExternalId(harness, 'u01')?.active).toBe(true);
    expect(userByExternalId(harness, 'other-idp-7')?.userName).toBe('user02@example.com');
  });
});

describe('404 from Ably', () => {
  let harness: JobsHarness | undefined;
  let redis: Redis | undefined;

  afterEach(async () => {
    await harness?.close();
    redis?.disconnect();
    harness = undefined;
    redis = undefined;
  });

  async function seeded(): Promise<{ harness: JobsHarness; state: StateStore }> {
    harness = await startJobsHarness({ users: 2 });
    const daemon = await harness.startDaemon();
    await daemon.syncAndWait('full');
    redis = createRedisConnection(testRedisUrl());
    return { harness, state: new StateStore(redis, harness.config.redis.prefix) };
  }

  function context(harness: JobsHarness, state: StateStore, client: OrganizationClient = harness.client): ApplyContext {
    return { client, state, logger: harness.logger, adoptExisting: true, now: () => new Date() };
  }

  it('treats 404 on a user delete as done', async () => {
    const { harness, state } = await seeded();
    harness.directory.removeUser('u02');
    await saveDesiredState(harness, state);
    await state.recordDeactivation('u02', new Date('2026-01-01T00:00:00Z'));
    const target = defined(userByExternalId(harness, 'u02'), 'u02 in Ably');
    const racing = deletedJustBefore(harness, 'deleteUser');

    const result = await applyOperation(
      { kind: 'deprovision', externalId: 'u02', userName: target.userName, mode: 'delete', reason: TEST_REASON },
      context(harness, state, racing),
    );

    expect(result.result).toBe('applied');
    expect(userByExternalId(harness, 'u02')).toBeUndefined();
    expect((await state.deactivations()).has('u02')).toBe(false);
  });

  it('treats 404 on a group delete as done', async () => {
    const { harness, state } = await seeded();
    harness.directory.groups = harness.directory.groups.filter((group) => group.externalId !== 'g-platform');
    await saveDesiredState(harness, state);
    const racing = deletedJustBefore(harness, 'deleteGroup');

    const result = await applyOperation(
      { kind: 'group-delete', externalId: 'g-platform', displayName: 'Platform', reason: TEST_REASON },
      context(harness, state, racing),
    );

    expect(result.result).toBe('applied');
    expect(harness.emulator.organization().groups.map((group) => group.externalId)).toEqual(['g-engineering']);
  });

  it('recreates a user deleted by hand on update', async () => {
    const { harness, state } = await seeded();
    const before = defined(userByExternalId(harness, 'u01'), 'u01 in Ably');
    expect((await harness.scim('DELETE', `/Users/${before.id}`)).status).toBe(204);
    Object.assign(harness.directory.user('u01'), { givenName: 'Renamed' });
    await saveDesiredState(harness, state);
    const desired = defined(await state.desiredUser('u01'), 'the desired u01');

    const result = await applyOperation({ kind: 'user-update', user: desired, reason: TEST_REASON }, context(harness, state));

    expect(result).toMatchObject({ result: 'applied', detail: 'created', writes: 1 });
    const after = await harness.client.findUserByExternalId('u01');
    expect(after?.id).not.toBe(before.id);
    expect(after?.givenName).toBe('Renamed');
    expect(after?.active).toBe(true);
  });
  it('recreates a user deleted during an update', async () => {
    const { harness, state } = await seeded();
    const before = defined(userByExternalId(harness, 'u01'), 'u01 in Ably');
    Object.assign(harness.directory.user('u01'), { familyName: 'Changed' });
    await saveDesiredState(harness, state);
    const desired = defined(await state.desiredUser('u01'), 'the desired u01');

    const result = await applyOperation(
      { kind: 'user-update', user: desired, reason: TEST_REASON },
      context(harness, state, deletedJustBefore(harness, 'updateUser')),
    );

    expect(result).toMatchObject({ result: 'applied', detail: 'created' });
    const after = await harness.client.findUserByExternalId('u01');
    expect(after?.id).not.toBe(before.id);
    expect(after?.familyName).toBe('Changed');
  });

  it('treats 404 on a deactivation as done', async () => {
    const { harness, state } = await seeded();
    harness.directory.removeUser('u02');
    await saveDesiredState(harness, state);

    const result = await applyOperation(
      { kind: 'deprovision', externalId: 'u02', userName: 'user02@example.com', mode: 'deactivate', reason: TEST_REASON },
      context(harness, state, deletedJustBefore(harness, 'setUserActive')),
    );

    expect(result).toMatchObject({ result: 'unchanged', detail: 'already gone' });
    expect(userByExternalId(harness, 'u02')).toBeUndefined();
    expect((await state.deactivations()).has('u02')).toBe(false);
  });

  it('never recreates a suspended user', async () => {
    const { harness, state } = await seeded();
    const before = defined(userByExternalId(harness, 'u01'), 'u01 in Ably');
    expect((await harness.scim('DELETE', `/Users/${before.id}`)).status).toBe(204);
    harness.directory.user('u01').lifecycle = 'suspended';
    await saveDesiredState(harness, state);
    const desired = defined(await state.desiredUser('u01'), 'the desired u01');
    expect(desired.active).toBe(false);
    harness.emulator.resetStats();

    const result = await applyOperation({ kind: 'user-update', user: desired, reason: TEST_REASON }, context(harness, state));

    expect(result).toMatchObject({ result: 'skipped', writes: 0 });
    expect(harness.emulator.stats().writes).toBe(0);
    expect(userByExternalId(harness, 'u01')).toBeUndefined();
  });

  it('keeps a returning suspended user from deletion', async () => {
    const { harness, state } = await seeded();
    harness.directory.user('u02').lifecycle = 'suspended';
    await saveDesiredState(harness, state);
    harness.emulator.resetStats();

    // The job was queued while the user was gone from the IdP. The user is back, suspended, before the job runs.
    const result = await applyOperation(
      { kind: 'deprovision', externalId: 'u02', userName: 'user02@example.com', mode: 'delete', reason: TEST_REASON },
      context(harness, state),
    );

    expect(result).toMatchObject({ result: 'skipped', writes: 0 });
    expect(harness.emulator.stats().writes).toBe(0);
    expect(userByExternalId(harness, 'u02')).toBeDefined();
  });
});
