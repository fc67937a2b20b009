import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lifecycleForStatus, mapLogEvent, mapUser } from '../../../src/connectors/okta/map.js';
import { userBody, type OktaUserRecord } from '../../../src/sandbox/okta-wire.js';
import { pathToFileURL } from 'node:url';
import { fixturesDirectory } from '../../support/fixtures.js';

const FIXTURES = pathToFileURL(`${fixturesDirectory()}/`);
const DEACTIVATE_EVENT = JSON.parse(
  readFileSync(new URL('okta-developer-docs/extracted/systemlog-user.lifecycle.deactivate.json', FIXTURES), 'utf8'),
) as Record<string, unknown>;

/** Loads the first user body that the recorded Terraform provider traffic received from `POST /api/v1/users`. */
function recordedUserBody(): Record<string, unknown> {
  const cassette = parse(
    readFileSync(new URL('terraform-provider-okta/test/fixtures/vcr/idaas/TestAccDataSourceOktaUsers_read/oie-00.yaml', FIXTURES), 'utf8'),
  ) as { interactions: { response: { body: string } }[] };
  const body = cassette.interactions[0]?.response.body ?? '{}';
  return JSON.parse(body) as Record<string, unknown>;
}

const policy = { provisionPendingUsers: false };

describe('lifecycleForStatus', () => {
  it.each([
    ['ACTIVE', 'active', 'active'],
    ['PASSWORD_EXPIRED', 'active', 'active'],
    ['LOCKED_OUT', 'active', 'active'],
    ['RECOVERY', 'active', 'active'],
    ['SUSPENDED', 'suspended', 'suspended'],
    ['DEPROVISIONED', 'deprovisioned', 'deprovisioned'],
    ['STAGED', 'pending', 'active'],
    ['PROVISIONED', 'pending', 'active'],
    ['SOMETHING_NEW', undefined, undefined],
  ])('%s', (status, byDefault, withPending) => {
    expect(lifecycleForStatus(status, { provisionPendingUsers: false })).toBe(byDefault);
    expect(lifecycleForStatus(status, { provisionPendingUsers: true })).toBe(withPending);
  });
});

describe('mapUser', () => {
  it('maps a recorded Okta user', () => {
    const body = recordedUserBody();

    const result = mapUser(body, policy);

    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.externalId).toBe(body.id);
      expect(result.value.email).toBe((body.profile as { email: string }).email);
      expect(result.value.lifecycle).toBe('pending');
      expect(result.value.givenName).toBe('TestAcc');
    }
  });

  it('serves users shaped like recorded ones', () => {
    const recorded = recordedUserBody();
    const record: OktaUserRecord = {
      id: '00u1',
      status: 'ACTIVE',
      created: '2026-01-01T00:00:00.000Z',
      activated: null,
      statusChanged: null,
      lastUpdated: '2026-01-01T00:00:00.000Z',
      passwordChanged: null,
      profile: { login: 'a@example.com', email: 'a@example.com', firstName: 'A', lastName: 'B' },
    };

    const served = userBody(record, 'http://127.0.0.1:1');

    expect(Object.keys(served).sort()).toEqual(Object.keys(recorded).sort());
  });

  it('maps display names', () => {
    const result = mapUser(
      { id: '00u1', status: 'ACTIVE', profile: { login: 'a@example.com', email: 'A@Example.com', displayName: 'Ada L.' } },
      policy,
    );

    expect(result).toEqual({
      ok: true,
      value: { externalId: '00u1', login: 'a@example.com', email: 'A@Example.com', displayName: 'Ada L.', lifecycle: 'active', sourceStatus: 'ACTIVE' },
    });
  });

  it.each([
    ['null', null, 'no string id (id is missing)'],
    ['numeric id', { id: 5, status: 'ACTIVE' }, 'no string id (id is 5)'],
    ['numeric status', { id: '00u1', status: 3 }, 'status of type number'],
    ['array profile', { id: '00u1', status: 'ACTIVE', profile: [] }, 'no profile object (profile is [])'],
    ['missing login', { id: '00u1', status: 'ACTIVE', profile: {} }, 'no string profile.login (login is missing)'],
    ['bad email', { id: '00u1', status: 'ACTIVE', profile: { login: 'x', email: 'not mail' } }, 'profile.email is "not mail"'],
  ])('skips %s', (_name, raw, reason) => {
    const result = mapUser(raw, policy);

    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.skipped.kind).toBe('user');
      expect(result.skipped.reason).toContain(reason);
    }
  });
});

describe('mapLogEvent', () => {
  it('ignores a deactivation event', () => {
    const result = mapLogEvent({ ...DEACTIVATE_EVENT, published: new Date(String(DEACTIVATE_EVENT.published)) });

    expect(result).toEqual({
      ok: true,
      value: { uuid: DEACTIVATE_EVENT.uuid, published: new Date(String(DEACTIVATE_EVENT.published)), changes: [] },
    });
  });

  it('maps a deletion event', () => {
    const result = mapLogEvent({ ...DEACTIVATE_EVENT, eventType: 'user.lifecycle.delete.initiated' });

    expect(result.ok).toBe(true);
    expect(result.ok ? result.value.changes : []).toEqual([{ type: 'user-removed', externalId: '00u3m90rxKjGQ0G6L1d6', reason: 'deleted' }]);
  });

  it('maps a membership event', () => {
    const target = DEACTIVATE_EVENT.target as Record<string, unknown>[];
    const group = { id: '00g1', type: 'UserGroup', alternateId: 'unknown', displayName: 'Engineering' };

    const result = mapLogEvent({ ...DEACTIVATE_EVENT, eventType: 'group.user_membership.add', target: [...target, group] });

    expect(result.ok).toBe(true);
    expect(result.ok ? result.value.changes : []).toEqual([
      { type: 'member-added', groupExternalId: '00g1', userExternalId: '00u3m90rxKjGQ0G6L1d6' },
    ]);
  });

  it('ignores a failed event', () => {
    const result = mapLogEvent({ ...DEACTIVATE_EVENT, eventType: 'group.lifecycle.delete', outcome: { result: 'FAILURE' } });

    expect(result.ok).toBe(true);
    expect(result.ok ? result.value.changes : undefined).toEqual([]);
  });

  it('skips a membership event without a group', () => {
    const result = mapLogEvent({ ...DEACTIVATE_EVENT, eventType: 'group.user_membership.remove' });

    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.skipped.reason).toContain('has no UserGroup target');
  });
});
