import { describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src/connectors/apply-changes.js';
import type { DirectoryChange, DirectorySnapshot, DirectoryUser } from '../../../src/domain/directory.js';

function user(externalId: string, email = `${externalId}@example.com`): DirectoryUser {
  return { externalId, login: email, email, lifecycle: 'active', sourceStatus: 'ACTIVE' };
}

function baseSnapshot(): DirectorySnapshot {
  return {
    source: 'okta',
    users: [user('u1'), user('u2'), user('u3')],
    groups: [
      { externalId: 'g1', name: 'Engineering', memberIds: ['u1', 'u2'] },
      { externalId: 'g2', name: 'Finance', memberIds: ['u2', 'u3'] },
    ],
    isComplete: true,
    incompleteReasons: [],
    skipped: [],
    readAt: '2026-03-02T10:00:00.000Z',
  };
}

const cases: { name: string; changes: DirectoryChange[]; users: string[]; groups: Record<string, string[]>; names?: Record<string, string> }[] = [
  {
    name: 'upsert adds a user',
    changes: [{ type: 'user-upserted', user: user('u4') }],
    users: ['u1', 'u2', 'u3', 'u4'],
    groups: { g1: ['u1', 'u2'], g2: ['u2', 'u3'] },
  },
  {
    name: 'removal drops memberships',
    changes: [{ type: 'user-removed', externalId: 'u2', reason: 'deleted' }],
    users: ['u1', 'u3'],
    groups: { g1: ['u1'], g2: ['u3'] },
  },
  {
    name: 'member added once',
    changes: [
      { type: 'member-added', groupExternalId: 'g1', userExternalId: 'u3' },
      { type: 'member-added', groupExternalId: 'g1', userExternalId: 'u3' },
    ],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2', 'u3'], g2: ['u2', 'u3'] },
  },
  {
    name: 'member removed',
    changes: [{ type: 'member-removed', groupExternalId: 'g2', userExternalId: 'u3' }],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2'], g2: ['u2'] },
  },
  {
    name: 'unknown group ignored',
    changes: [
      { type: 'member-added', groupExternalId: 'g9', userExternalId: 'u1' },
      { type: 'member-removed', groupExternalId: 'g9', userExternalId: 'u1' },
    ],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2'], g2: ['u2', 'u3'] },
  },
  {
    name: 'rename keeps members',
    changes: [{ type: 'group-upserted', group: { externalId: 'g1', name: 'Platform' } }],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2'], g2: ['u2', 'u3'] },
    names: { g1: 'Platform' },
  },
  {
    name: 'upsert with members replaces them',
    changes: [{ type: 'group-upserted', group: { externalId: 'g2', name: 'Finance', memberIds: ['u1'] } }],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2'], g2: ['u1'] },
  },
  {
    name: 'new group then member',
    changes: [
      { type: 'group-upserted', group: { externalId: 'g3', name: 'Data' } },
      { type: 'member-added', groupExternalId: 'g3', userExternalId: 'u1' },
    ],
    users: ['u1', 'u2', 'u3'],
    groups: { g1: ['u1', 'u2'], g2: ['u2', 'u3'], g3: ['u1'] },
  },
  {
    name: 'group removed',
    changes: [{ type: 'group-removed', externalId: 'g1' }],
    users: ['u1', 'u2', 'u3'],
    groups: { g2: ['u2', 'u3'] },
  },
];

describe('applyChanges', () => {
  it.each(cases)('$name', ({ changes, users, groups, names }) => {
    const result = applyChanges(baseSnapshot(), changes);

    expect(result.users.map((entry) => entry.externalId).sort()).toEqual(users);
    expect(Object.fromEntries(result.groups.map((group) => [group.externalId, group.memberIds]))).toEqual(groups);
    for (const [id, name] of Object.entries(names ?? {})) {
      expect(result.groups.find((group) => group.externalId === id)?.name).toBe(name);
    }
  });

  it('replaces an upserted user', () => {
    const result = applyChanges(baseSnapshot(), [{ type: 'user-upserted', user: { ...user('u1', 'New@Example.com'), lifecycle: 'suspended' } }]);
    const updated = result.users.find((entry) => entry.externalId === 'u1');

    expect(updated?.email).toBe('New@Example.com');
    expect(updated?.lifecycle).toBe('suspended');
    expect(result.users).toHaveLength(3);
  });

  it('leaves the input unchanged', () => {
    const input = baseSnapshot();
    const copy = structuredClone(input);

    applyChanges(input, [
      { type: 'member-added', groupExternalId: 'g1', userExternalId: 'u3' },
      { type: 'user-removed', externalId: 'u2', reason: 'deleted' },
    ]);

    expect(input).toEqual(copy);
  });

  it('is idempotent', () => {
    const changes: DirectoryChange[] = [
      { type: 'user-removed', externalId: 'u1', reason: 'deleted' },
      { type: 'member-added', groupExternalId: 'g2', userExternalId: 'u1' },
      { type: 'group-upserted', group: { externalId: 'g3', name: 'Data' } },
    ];

    const once = applyChanges(baseSnapshot(), changes);
    const twice = applyChanges(once, changes);

    expect(twice).toEqual(once);
  });

  it('keeps the snapshot metadata', () => {
    const input = { ...baseSnapshot(), isComplete: false, incompleteReasons: ['groups failed'] };

    const result = applyChanges(input, [{ type: 'user-upserted', user: user('u9') }]);

    expect(result.isComplete).toBe(false);
    expect(result.incompleteReasons).toEqual(['groups failed']);
    expect(result.readAt).toBe(input.readAt);
  });
});
