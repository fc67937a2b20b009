import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DirectoryChange } from '../../../src/domain/directory.js';
import { ConfigurationError, CursorExpiredError, TransientError } from '../../../src/errors/index.js';
import { entraObjectId, EXTRA_OBJECT_IDS, type GraphUser } from '../../../src/sandbox/graph-directory.js';
import type { RunningGraphServer } from '../../../src/sandbox/graph-server.js';
import { connectTo, SAMPLE, startTestServer } from './entra-test-server.js';

const activeSampleUsers = SAMPLE.users.filter((user) => user.status === 'ACTIVE');
const groupId = (index: number) => entraObjectId(SAMPLE.groups[index]!.id);

const newUser: GraphUser = {
  id: entraObjectId('new-hire'),
  displayName: 'Nia Newhire',
  givenName: 'Nia',
  surname: 'Newhire',
  mail: 'nia.newhire@example.com',
  otherMails: [],
  userPrincipalName: 'nia.newhire@example.com',
  accountEnabled: true,
  userType: 'Member',
};

function ofType<T extends DirectoryChange['type']>(changes: DirectoryChange[], type: T): Array<Extract<DirectoryChange, { type: T }>> {
  return changes.filter((change): change is Extract<DirectoryChange, { type: T }> => change.type === type);
}

describe('entra connector incremental reads', () => {
  let server: RunningGraphServer;
  const closers: Array<() => void> = [];

  beforeEach(async () => {
    // Small members@delta items, so the initial round spreads groups over pages.
    server = await startTestServer({ membersPerDeltaItem: 3, pageSize: 10 });
  });
  afterEach(async () => {
    closers.splice(0).forEach((close) => close());
    await server.close();
  });

  function connect(...args: Parameters<typeof connectTo> extends [unknown, ...infer Rest] ? Rest : never) {
    const result = connectTo(server, ...args);
    closers.push(() => result.connector.close());
    return result;
  }

  it('returns no changes when nothing changed', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();
    const result = await connector.readChanges(cursor);

    expect(result.isComplete).toBe(true);
    expect(result.changes).toEqual([]);
    expect(result.requestCount).toBe(2);
    expect(result.nextCursor).not.toBe('');
  });

  it('reads a few changes in a handful of requests', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();
    const [renamed, disabled] = activeSampleUsers.map((user) => entraObjectId(user.id));
    const removedFromGroup = groupId(0);
    const removedMember = SAMPLE.groups[0]!.memberIds
      .filter((id) => activeSampleUsers.some((user) => user.id === id))
      .map((id) => entraObjectId(id))
      .find((id) => id !== renamed && id !== disabled);

    server.mutations.updateUser(renamed!, { displayName: 'Renamed Person', surname: 'Person' });
    server.mutations.disableUser(disabled!);
    server.mutations.addUser(newUser, [groupId(2)]);
    server.mutations.removeMember(removedFromGroup, removedMember!);
    const result = await connector.readChanges(cursor);

    expect(result.isComplete).toBe(true);
    expect(result.requestCount).toBe(2);
    const upserts = Object.fromEntries(ofType(result.changes, 'user-upserted').map((change) => [change.user.externalId, change.user]));
    expect(Object.keys(upserts).sort()).toEqual([renamed!, disabled!, newUser.id].sort());
    expect(upserts[renamed!]?.displayName).toBe('Renamed Person');
    expect(upserts[renamed!]?.familyName).toBe('Person');
    expect(upserts[disabled!]?.lifecycle).toBe('suspended');
    expect(upserts[newUser.id]?.email).toBe('nia.newhire@example.com');
    expect(ofType(result.changes, 'member-added')).toEqual([{ type: 'member-added', groupExternalId: groupId(2), userExternalId: newUser.id }]);
    expect(ofType(result.changes, 'member-removed')).toEqual([{ type: 'member-removed', groupExternalId: removedFromGroup, userExternalId: removedMember! }]);
    expect(ofType(result.changes, 'user-removed')).toEqual([]);
  });

  it('maps @removed reasons changed and deleted', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();
    const [softDeleted, hardDeleted] = activeSampleUsers.map((user) => entraObjectId(user.id));

    server.mutations.deleteUser(softDeleted!);
    server.mutations.deleteUser(hardDeleted!, { permanent: true });
    const result = await connector.readChanges(cursor);

    const removals = Object.fromEntries(ofType(result.changes, 'user-removed').map((change) => [change.externalId, change.reason]));
    expect(removals).toEqual({ [softDeleted!]: 'changed', [hardDeleted!]: 'deleted' });
    const memberRemovals = ofType(result.changes, 'member-removed').map((change) => change.userExternalId);
    expect(memberRemovals).toContain(softDeleted);
    expect(memberRemovals).toContain(hardDeleted);
  });

  it('chains cursors from round to round', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();
    const [first, second] = activeSampleUsers.map((user) => entraObjectId(user.id));

    server.mutations.updateUser(first!, { givenName: 'Once' });
    const round1 = await connector.readChanges(cursor);
    server.mutations.updateUser(second!, { givenName: 'Twice' });
    const round2 = await connector.readChanges(round1.nextCursor);

    expect(ofType(round1.changes, 'user-upserted').map((change) => change.user.externalId)).toEqual([first]);
    expect(ofType(round2.changes, 'user-upserted').map((change) => change.user.externalId)).toEqual([second]);
  });

  it('raises CursorExpiredError for an expired delta token', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();
    server.mutations.expireDeltaTokens();

    await expect(connector.readChanges(cursor)).rejects.toBeInstanceOf(CursorExpiredError);
  });

  it('raises CursorExpiredError for an unreadable cursor', async () => {
    const { connector } = connect();

    await expect(connector.readChanges('not-a-cursor')).rejects.toBeInstanceOf(CursorExpiredError);
    expect(connector.requestCount).toBe(0);
  });

  it('keeps the old cursor when a delta page fails', async () => {
    const { connector } = connect({ maxRetries: 1 });
    const { cursor } = await connector.readFullWithCursor();
    server.faults.failures = [{ pathIncludes: '/groups/delta', status: 503, remaining: 2 }];
    const result = await connector.readChanges(cursor);

    expect(result.isComplete).toBe(false);
    expect(result.nextCursor).toBe(cursor);
    expect(result.changes).toEqual([]);
    expect(result.incompleteReasons[0]).toContain('HTTP 503');
  });

  it('throws rather than return a partial cursor', async () => {
    server.faults.failures = [{ pathIncludes: '/users/delta', status: 500, remaining: 2 }];
    const { connector } = connect({ maxRetries: 1 });

    await expect(connector.readFullWithCursor()).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects delta reads with a user filter', async () => {
    const { connector } = connect({ userFilter: "userType eq 'Member'" });

    await expect(connector.readFullWithCursor()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('re-reads a parent group when a nested group changes', async () => {
    const { connector } = connect({ nestedGroups: 'flatten' });
    const { snapshot, cursor } = await connector.readFullWithCursor();
    expect(snapshot.groups.find((group) => group.externalId === groupId(1))?.memberIds).toContain(EXTRA_OBJECT_IDS.nestedOnlyUser);

    server.mutations.addUser(newUser, [EXTRA_OBJECT_IDS.nestedGroup]);
    const result = await connector.readChanges(cursor);

    const parent = ofType(result.changes, 'group-upserted').find((change) => change.group.externalId === groupId(1));
    expect(parent?.group.name).toBe(SAMPLE.groups[1]!.name);
    expect(parent?.group.memberIds).toContain(newUser.id);
    expect(parent?.group.memberIds).toContain(EXTRA_OBJECT_IDS.nestedOnlyUser);
  });

  it('reports groups leaving scope', async () => {
    const { connector } = connect({ groups: [SAMPLE.groups[3]!.name] });
    const { snapshot, cursor } = await connector.readFullWithCursor();
    expect(snapshot.groups.map((group) => group.externalId)).toEqual([groupId(3)]);

    server.mutations.updateGroup(groupId(3), { displayName: 'Renamed Out Of Scope' });
    const result = await connector.readChanges(cursor);

    expect(result.changes).toEqual([{ type: 'group-removed', externalId: groupId(3) }]);
  });

  it('reads all members of a group entering scope', async () => {
    const { connector } = connect({ groups: [SAMPLE.groups[3]!.name, 'Joined Later'] });
    const { cursor } = await connector.readFullWithCursor();

    server.mutations.updateGroup(groupId(4), { displayName: 'Joined Later' });
    const result = await connector.readChanges(cursor);

    const liveMembers = SAMPLE.groups[4]!.memberIds
      .filter((id) => SAMPLE.users.find((user) => user.id === id)?.status !== 'DEPROVISIONED')
      .map((id) => entraObjectId(id));
    const upserts = ofType(result.changes, 'group-upserted');
    expect(upserts).toHaveLength(1);
    expect(upserts[0]?.group.externalId).toBe(groupId(4));
    expect(upserts[0]?.group.name).toBe('Joined Later');
    expect([...(upserts[0]?.group.memberIds ?? [])].sort()).toEqual(liveMembers.sort());
    // One page per delta link, then the member list in pages of the server's 10.
    expect(result.requestCount).toBe(2 + Math.ceil(liveMembers.length / 10));
  });

  it('reports deleted groups', async () => {
    const { connector } = connect();
    const { cursor } = await connector.readFullWithCursor();

    server.mutations.deleteGroup(groupId(4));
    const result = await connector.readChanges(cursor);

    expect(result.changes).toEqual([{ type: 'group-removed', externalId: groupId(4) }]);
  });
});
