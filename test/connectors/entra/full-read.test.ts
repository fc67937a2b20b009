import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DirectorySnapshot } from '../../../src/domain/directory.js';
import { entraObjectId, EXTRA_OBJECT_IDS } from '../../../src/sandbox/graph-directory.js';
import type { RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { connectTo, SAMPLE, startTestServer } from './entra-test-server.js';

const firstGroupId = entraObjectId(SAMPLE.groups[0]!.id);
const secondGroupId = entraObjectId(SAMPLE.groups[1]!.id);

function userIds(snapshot: DirectorySnapshot): string[] {
  return snapshot.users.map((user) => user.externalId).sort();
}

function groupById(snapshot: DirectorySnapshot, id: string) {
  const group = snapshot.groups.find((candidate) => candidate.externalId === id);
  if (!group) throw new Error(`group ${id} missing from the snapshot`);
  return group;
}

describe('entra connector full read', () => {
  let server: RunningGraphServer;
  const closers: Array<() => void> = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    closers.splice(0).forEach((close) => close());
    server.faults.maxTop = 999;
    server.faults.pageSizeCycle = undefined;
    server.faults.failures = [];
    server.faults.responseDelayMs = 0;
  });
  afterAll(async () => {
    await server.close();
  });

  function connect(...args: Parameters<typeof connectTo> extends [unknown, ...infer Rest] ? Rest : never) {
    const result = connectTo(server, ...args);
    closers.push(() => result.connector.close());
    return result;
  }

  it('reads every sample user, group and membership', async () => {
    const { connector } = connect();
    const snapshot = await connector.readFull();

    const expectedUsers = SAMPLE.users.filter((user) => user.status !== 'DEPROVISIONED').map((user) => entraObjectId(user.id));
    expectedUsers.push(EXTRA_OBJECT_IDS.nestedOnlyUser);
    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.incompleteReasons).toEqual([]);
    expect(userIds(snapshot)).toEqual(expectedUsers.sort());
    expect(snapshot.groups).toHaveLength(SAMPLE.groups.length + 1);

    const suspended = SAMPLE.users.find((user) => user.status === 'SUSPENDED')!;
    const mapped = snapshot.users.find((user) => user.externalId === entraObjectId(suspended.id))!;
    expect(mapped.lifecycle).toBe('suspended');
    expect(mapped.email).toBe(suspended.email);
    expect(mapped.login).toBe(suspended.login);

    const sampleGroup = SAMPLE.groups[2]!;
    const liveMembers = sampleGroup.memberIds
      .filter((id) => SAMPLE.users.find((user) => user.id === id)?.status !== 'DEPROVISIONED')
      .map((id) => entraObjectId(id));
    expect(groupById(snapshot, entraObjectId(sampleGroup.id)).memberIds.sort()).toEqual(liveMembers.sort());
    expect(groupById(snapshot, entraObjectId(sampleGroup.id)).name).toBe(sampleGroup.name);
  });

  it('skips devices, contacts and service principals', async () => {
    const { connector } = connect();
    const snapshot = await connector.readFull();

    const skippedIds = snapshot.skipped.filter((item) => item.kind === 'member').map((item) => item.id);
    expect(skippedIds).toContain(EXTRA_OBJECT_IDS.device);
    expect(skippedIds).toContain(EXTRA_OBJECT_IDS.orgContact);
    expect(skippedIds).toContain(EXTRA_OBJECT_IDS.servicePrincipal);
    expect(groupById(snapshot, firstGroupId).memberIds).not.toContain(EXTRA_OBJECT_IDS.device);
    expect(snapshot.isComplete).toBe(true);
  });

  it('gives the same snapshot from the initial delta round', async () => {
    const { connector } = connect();
    const fromLists = await connector.readFull();
    const { snapshot: fromDelta, cursor } = await connector.readFullWithCursor();

    expect(cursor).not.toBe('');
    expect(userIds(fromDelta)).toEqual(userIds(fromLists));
    const byId = (snapshot: DirectorySnapshot) =>
      Object.fromEntries(snapshot.groups.map((group) => [group.externalId, [group.name, [...group.memberIds].sort()]]));
    expect(byId(fromDelta)).toEqual(byId(fromLists));
    expect(fromDelta.isComplete).toBe(true);
  });

  it('follows next links through short and empty pages', async () => {
    server.faults.pageSizeCycle = [7, 0, 1, 0];
    const requestsBefore = server.counts.graphRequests;
    const { connector } = connect();
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.users).toHaveLength(SAMPLE.users.filter((user) => user.status !== 'DEPROVISIONED').length + 1);
    const log = server.counts.graphRequestLog.slice(-(server.counts.graphRequests - requestsBefore));
    const skipTokens = log.filter((line) => line.includes('$skiptoken='));
    expect(skipTokens.length).toBeGreaterThan(10);
    // Every token ends in '=', so each link carried '%3D' and was sent back encoded.
    expect(skipTokens.every((line) => line.includes('%3D'))).toBe(true);
    expect(connector.requestCount).toBe(log.length);
  });

  it('lowers $top after a 400', async () => {
    server.faults.maxTop = 60;
    const { connector } = connect({ pageSize: 500 });
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    const userRequests = server.counts.graphRequestLog.filter((line) => line.startsWith('/v1.0/users?$select'));
    const tops = userRequests.slice(-3).map((line) => new URLSearchParams(line.split('?')[1]).get('$top'));
    expect(tops).toEqual(['500', '100', '50']);
    const memberRequests = server.counts.graphRequestLog.filter((line) => line.includes('/members?'));
    // Once a lowered size is accepted, later reads of the same endpoint start with it.
    expect(memberRequests.at(-1)).toContain('$top=50');
  });

  it('maps guests by mail, then otherMails, when included', async () => {
    const { connector } = connect({ includeGuests: true });
    const snapshot = await connector.readFull();

    const email = (id: string) => snapshot.users.find((user) => user.externalId === id)?.email;
    expect(email(EXTRA_OBJECT_IDS.guestWithMail)).toBe('gita.guest@partner.example.org');
    expect(email(EXTRA_OBJECT_IDS.guestWithOtherMails)).toBe('otto.othermail@partner.example.org');
    expect(email(EXTRA_OBJECT_IDS.guestWithoutEmail)).toBeUndefined();
    const skipped = snapshot.skipped.find((item) => item.id === EXTRA_OBJECT_IDS.guestWithoutEmail);
    expect(skipped?.reason).toContain('no usable email');
    expect(groupById(snapshot, firstGroupId).memberIds).toContain(EXTRA_OBJECT_IDS.guestWithMail);
    expect(groupById(snapshot, firstGroupId).memberIds).not.toContain(EXTRA_OBJECT_IDS.guestWithoutEmail);
  });

  it('skips guests by default and unroutable members always', async () => {
    const { connector } = connect();
    const snapshot = await connector.readFull();

    const ids = userIds(snapshot);
    expect(ids).not.toContain(EXTRA_OBJECT_IDS.guestWithMail);
    expect(ids).not.toContain(EXTRA_OBJECT_IDS.memberWithUnroutableUpn);
    const reasons = Object.fromEntries(snapshot.skipped.filter((item) => item.kind === 'user').map((item) => [item.id, item.reason]));
    expect(reasons[EXTRA_OBJECT_IDS.guestWithMail]).toContain('guest');
    expect(reasons[EXTRA_OBJECT_IDS.memberWithUnroutableUpn]).toContain('no usable email');
  });

  it('flattens nested groups when configured', async () => {
    const { connector } = connect({ nestedGroups: 'flatten' });
    const snapshot = await connector.readFull();

    expect(groupById(snapshot, secondGroupId).memberIds).toContain(EXTRA_OBJECT_IDS.nestedOnlyUser);
    expect(snapshot.skipped.some((item) => item.id === EXTRA_OBJECT_IDS.nestedGroup)).toBe(false);
    expect(server.counts.graphRequestLog.some((line) => line.startsWith(`/v1.0/groups/${secondGroupId}/transitiveMembers/microsoft.graph.user`))).toBe(true);
  });

  it('skips nested groups when configured', async () => {
    const { connector } = connect({ nestedGroups: 'skip' });
    const snapshot = await connector.readFull();

    expect(groupById(snapshot, secondGroupId).memberIds).not.toContain(EXTRA_OBJECT_IDS.nestedOnlyUser);
    const skipped = snapshot.skipped.find((item) => item.id === EXTRA_OBJECT_IDS.nestedGroup);
    expect(skipped?.kind).toBe('member');
    expect(skipped?.reason).toContain('nested group');
  });

  it('limits groups to the configured names and ids', async () => {
    const thirdGroupId = entraObjectId(SAMPLE.groups[2]!.id);
    const { connector } = connect({ groups: [SAMPLE.groups[0]!.name.toUpperCase(), thirdGroupId] });
    const snapshot = await connector.readFull();

    expect(snapshot.groups.map((group) => group.externalId).sort()).toEqual([firstGroupId, thirdGroupId].sort());
  });

  it('applies the user filter on the server', async () => {
    const { connector } = connect({ userFilter: "startswith(displayName,'Ada')" });
    const snapshot = await connector.readFull();

    expect(snapshot.users.length).toBeGreaterThan(0);
    expect(snapshot.users.every((user) => user.displayName?.startsWith('Ada'))).toBe(true);
    const request = server.counts.graphRequestLog.filter((line) => line.startsWith('/v1.0/users?')).at(-1);
    expect(new URLSearchParams(request?.split('?')[1]).get('$filter')).toBe("startswith(displayName,'Ada')");
  });

  it('marks the snapshot incomplete when a member read fails', async () => {
    server.faults.failures = [{ pathIncludes: `/groups/${secondGroupId}/members`, status: 500, remaining: 10 }];
    const { connector, sleeps } = connect({ maxRetries: 1 });
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(false);
    expect(snapshot.incompleteReasons).toHaveLength(1);
    expect(snapshot.incompleteReasons[0]).toContain(secondGroupId);
    expect(sleeps).toHaveLength(1);
  });

  it('keeps concurrent requests within the limit', async () => {
    server.faults.responseDelayMs = 20;
    server.counts.maxConcurrentGraphRequests = 0;
    const { connector } = connect({ maxConcurrentRequests: 2 });
    const snapshot = await connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(server.counts.maxConcurrentGraphRequests).toBe(2);
  });

  it('requests only routes the server serves', async () => {
    const { connector } = connect();
    await connector.readFull();

    expect(server.counts.unknownRequests).toEqual([]);
    expect(server.counts.tokenRequests).toBeGreaterThan(0);
  });
});
