import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src/connectors/apply-changes.js';
import type { DirectoryChange, DirectorySnapshot } from '../../../src/domain/directory.js';
import { CursorExpiredError } from '../../../src/errors/index.js';
import { createSampleDirectory, oktaStyleId } from '../../../src/sandbox/sample-directory.js';
import { startHarness, type OktaHarness } from './harness.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DIRECTORY = { userCount: 40, groupCount: 4 };
const sample = createSampleDirectory(DIRECTORY);
const firstUser = sample.users[0];
const firstGroup = sample.groups[0];

let harness: OktaHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Reads in full, then moves the clock on so the test's changes fall after the cursor. */
async function startWithCursor(): Promise<{ h: OktaHarness; snapshot: DirectorySnapshot; cursor: string }> {
  const h = await startHarness({ directory: DIRECTORY });
  harness = h;
  const { snapshot, cursor } = await h.connector.readFullWithCursor();
  h.clock.advance(10 * MINUTE_MS);
  return { h, snapshot, cursor };
}

function ofType<T extends DirectoryChange['type']>(changes: DirectoryChange[], type: T): Extract<DirectoryChange, { type: T }>[] {
  return changes.filter((change): change is Extract<DirectoryChange, { type: T }> => change.type === type);
}

function normalize(snapshot: DirectorySnapshot): { users: unknown[]; groups: unknown[] } {
  return {
    users: [...snapshot.users].sort((left, right) => left.externalId.localeCompare(right.externalId)),
    groups: [...snapshot.groups]
      .map((group) => ({ ...group, memberIds: [...group.memberIds].sort() }))
      .sort((left, right) => left.externalId.localeCompare(right.externalId)),
  };
}

describe('okta incremental read', () => {
  it('finds an email rename', async () => {
    const { h, cursor } = await startWithCursor();
    const userId = firstUser?.id ?? '';
    h.server.mutations.updateUser(userId, { email: 'Renamed.User@example.com', login: 'Renamed.User@example.com' });
    const before = h.server.requestCount();

    const result = await h.connector.readChanges(cursor);

    expect(result.isComplete).toBe(true);
    const upserts = ofType(result.changes, 'user-upserted');
    expect(upserts).toHaveLength(1);
    expect(upserts[0]?.user.externalId).toBe(userId);
    expect(upserts[0]?.user.email).toBe('Renamed.User@example.com');
    // Changed users, changed groups, and one empty System Log page.
    expect(result.requestCount).toBe(3);
    expect(h.server.requestCount() - before).toBe(3);
  });

  it('finds a suspension', async () => {
    const { h, cursor } = await startWithCursor();
    h.server.mutations.updateUser(firstUser?.id ?? '', { status: 'SUSPENDED' });

    const result = await h.connector.readChanges(cursor);
    const upserts = ofType(result.changes, 'user-upserted');

    expect(upserts).toHaveLength(1);
    expect(upserts[0]?.user.lifecycle).toBe('suspended');
    expect(upserts[0]?.user.sourceStatus).toBe('SUSPENDED');
  });

  it('finds a membership removal', async () => {
    const { h, cursor } = await startWithCursor();
    const groupId = firstGroup?.id ?? '';
    const userId = firstGroup?.memberIds[0] ?? '';
    h.server.mutations.removeMember(groupId, userId);

    const result = await h.connector.readChanges(cursor);

    expect(result.changes).toEqual([{ type: 'member-removed', groupExternalId: groupId, userExternalId: userId }]);
    // Users, groups, one System Log page with the event and one empty page.
    expect(result.requestCount).toBe(4);
  });

  it('finds a new user and its membership', async () => {
    const { h, cursor } = await startWithCursor();
    const newId = oktaStyleId('00u', 900);
    h.server.mutations.addUser({
      id: newId,
      login: 'new.person@example.com',
      email: 'new.person@example.com',
      firstName: 'New',
      lastName: 'Person',
      status: 'ACTIVE',
      lastUpdated: '2026-01-01T00:00:00.000Z',
    });
    h.server.mutations.addMember(firstGroup?.id ?? '', newId);

    const result = await h.connector.readChanges(cursor);

    expect(ofType(result.changes, 'user-upserted').map((change) => change.user.externalId)).toEqual([newId]);
    expect(ofType(result.changes, 'member-added')).toEqual([
      { type: 'member-added', groupExternalId: firstGroup?.id, userExternalId: newId },
    ]);
  });

  it('finds a deletion', async () => {
    const { h, cursor } = await startWithCursor();
    const userId = firstUser?.id ?? '';
    h.server.mutations.deleteUser(userId);

    const result = await h.connector.readChanges(cursor);

    expect(ofType(result.changes, 'user-removed')).toEqual([{ type: 'user-removed', externalId: userId, reason: 'deleted' }]);
    expect(result.requestCount).toBeLessThanOrEqual(4);
  });

  it('finds group creation, rename and deletion', async () => {
    const { h, cursor } = await startWithCursor();
    const newGroupId = oktaStyleId('00g', 500);
    h.server.mutations.addGroup({ id: newGroupId, name: 'Robotics' });
    h.server.mutations.addMember(newGroupId, firstUser?.id ?? '');
    h.server.mutations.renameGroup(sample.groups[1]?.id ?? '', 'Platform Engineering');
    h.server.mutations.deleteGroup(sample.groups[2]?.id ?? '');

    const result = await h.connector.readChanges(cursor);
    const upserted = ofType(result.changes, 'group-upserted').map((change) => change.group);

    expect(upserted).toEqual([
      { externalId: sample.groups[1]?.id, name: 'Platform Engineering' },
      { externalId: newGroupId, name: 'Robotics' },
    ]);
    expect(ofType(result.changes, 'group-removed')).toEqual([{ type: 'group-removed', externalId: sample.groups[2]?.id }]);
    expect(ofType(result.changes, 'member-added')).toHaveLength(1);
  });

  it('applied changes equal a fresh full read', async () => {
    const { h, snapshot, cursor } = await startWithCursor();
    const groupId = firstGroup?.id ?? '';
    h.server.mutations.updateUser(sample.users[1]?.id ?? '', { email: 'changed@example.com' });
    h.server.mutations.updateUser(sample.users[2]?.id ?? '', { status: 'SUSPENDED' });
    h.server.mutations.removeMember(groupId, firstGroup?.memberIds[1] ?? '');
    h.server.mutations.addMember(groupId, sample.users[3]?.id ?? '');
    h.server.mutations.deleteUser(sample.users[4]?.id ?? '');
    h.server.mutations.addGroup({ id: oktaStyleId('00g', 501), name: 'Quantum' });
    h.server.mutations.addMember(oktaStyleId('00g', 501), sample.users[5]?.id ?? '');

    const result = await h.connector.readChanges(cursor);
    const merged = applyChanges(snapshot, result.changes);
    const fresh = await h.connector.readFull();

    expect(result.isComplete).toBe(true);
    expect(normalize(merged)).toEqual(normalize(fresh));
  });

  it('does not repeat events inside the overlap window', async () => {
    const { h, cursor } = await startWithCursor();
    h.server.mutations.removeMember(firstGroup?.id ?? '', firstGroup?.memberIds[0] ?? '');
    const first = await h.connector.readChanges(cursor);
    h.clock.advance(30_000);

    const second = await h.connector.readChanges(first.nextCursor);

    expect(ofType(first.changes, 'member-removed')).toHaveLength(1);
    expect(ofType(second.changes, 'member-removed')).toEqual([]);
    expect(second.isComplete).toBe(true);
  });

  it('keeps the old cursor when the System Log fails', async () => {
    const { h, cursor } = await startWithCursor();
    h.server.mutations.updateUser(firstUser?.id ?? '', { status: 'SUSPENDED' });
    h.server.faults.failNext({ path: /^\/api\/v1\/logs$/, status: 500, times: 10 });

    const result = await h.connector.readChanges(cursor);

    expect(result.isComplete).toBe(false);
    expect(result.changes).toEqual([]);
    expect(result.nextCursor).toBe(cursor);
    expect(result.incompleteReasons[0]).toContain('Reading System Log from Okta failed');
  });

  it('rejects a cursor older than the retention', async () => {
    const { h, cursor } = await startWithCursor();
    h.clock.advance(91 * DAY_MS);

    await expect(h.connector.readChanges(cursor)).rejects.toBeInstanceOf(CursorExpiredError);
    expect(h.server.requestCount(/^\/api\/v1\/logs$/)).toBe(0);
  });

  it('rejects an unreadable cursor', async () => {
    const { h } = await startWithCursor();

    await expect(h.connector.readChanges('not-a-cursor')).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it('keeps a change made during the full read', async () => {
    const h = await startHarness({ directory: DIRECTORY, connector: { overlapMs: 0 } });
    harness = h;
    const userId = firstUser?.id ?? '';
    h.server.faults.delayNext({ path: /^\/api\/v1\/groups$/, delayMs: 50 });

    // The read takes its times before its first request, so the clock moves
    // on only for the rename, which lands after the users page was served.
    const reading = h.connector.readFullWithCursor();
    h.clock.advance(MINUTE_MS);
    while (h.server.requestCount(/^\/api\/v1\/groups$/) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    h.server.mutations.updateUser(userId, { email: 'during.read@example.com' });
    const { snapshot, cursor } = await reading;
    h.clock.advance(MINUTE_MS);
    const result = await h.connector.readChanges(cursor);

    expect(snapshot.users.find((user) => user.externalId === userId)?.email).toBe(firstUser?.email);
    expect(ofType(result.changes, 'user-upserted').map((change) => change.user.email)).toEqual(['during.read@example.com']);
  });
});
