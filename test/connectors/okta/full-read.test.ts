import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { createOktaConnector } from '../../../src/connectors/okta/index.js';
import { FatalError } from '../../../src/errors/index.js';
import { createLogger } from '../../../src/logging.js';
import { createSampleDirectory } from '../../../src/sandbox/sample-directory.js';
import { startHarness, TEST_TOKEN, type OktaHarness } from './harness.js';

const USERS_PATH = /^\/api\/v1\/users$/;
const GROUPS_PATH = /^\/api\/v1\/groups$/;

let harness: OktaHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('okta full read', () => {
  it('reads the whole sample directory', async () => {
    harness = await startHarness();
    const sample = createSampleDirectory();

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.incompleteReasons).toEqual([]);
    expect(snapshot.skipped).toEqual([]);
    expect(snapshot.source).toBe('okta');
    expect(snapshot.users).toHaveLength(520);
    expect(snapshot.groups).toHaveLength(22);
    for (const group of sample.groups) {
      const read = snapshot.groups.find((candidate) => candidate.externalId === group.id);
      expect(read?.name).toBe(group.name);
      expect([...(read?.memberIds ?? [])].sort()).toEqual([...group.memberIds].sort());
    }
    // 520 users in pages of 200, one group page, one member page per group.
    expect(harness.server.requestCount(USERS_PATH)).toBe(3);
    expect(harness.server.requestCount(GROUPS_PATH)).toBe(1);
    expect(harness.server.requestCount()).toBe(3 + 1 + 22);
  });

  it('follows next links across many small pages', async () => {
    harness = await startHarness({ directory: { userCount: 60, groupCount: 3 }, config: { pageSize: 7 } });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(new Set(snapshot.users.map((user) => user.externalId)).size).toBe(60);
    expect(harness.server.requestCount(USERS_PATH)).toBe(Math.ceil(60 / 7));
    const firstGroup = createSampleDirectory({ userCount: 60, groupCount: 3 }).groups[0];
    const memberRequests = harness.server.requestCount(new RegExp(`^/api/v1/groups/${firstGroup?.id}/users$`));
    expect(memberRequests).toBe(Math.ceil((firstGroup?.memberIds.length ?? 0) / 7));
  });

  it('includes deprovisioned users that a plain list omits', async () => {
    harness = await startHarness({ directory: { userCount: 8, groupCount: 1 } });

    const plain = await fetch(`${harness.server.url}/api/v1/users`, { headers: { Authorization: `SSWS ${TEST_TOKEN}` } });
    const plainUsers = (await plain.json()) as { status: string }[];
    const snapshot = await harness.connector.readFull();

    expect(plainUsers.map((user) => user.status)).not.toContain('DEPROVISIONED');
    expect(snapshot.users.map((user) => user.sourceStatus)).toContain('DEPROVISIONED');
    expect(snapshot.users).toHaveLength(8);
  });

  it('maps every status by the policy', async () => {
    harness = await startHarness({ directory: { userCount: 8, groupCount: 1 } });

    const snapshot = await harness.connector.readFull();
    const lifecycles = Object.fromEntries(snapshot.users.map((user) => [user.sourceStatus, user.lifecycle]));

    expect(lifecycles).toEqual({
      ACTIVE: 'active',
      PASSWORD_EXPIRED: 'active',
      LOCKED_OUT: 'active',
      RECOVERY: 'active',
      SUSPENDED: 'suspended',
      DEPROVISIONED: 'deprovisioned',
      STAGED: 'pending',
      PROVISIONED: 'pending',
    });
  });

  it('treats pending users as active when configured', async () => {
    harness = await startHarness({ directory: { userCount: 8, groupCount: 1 }, config: { provisionPendingUsers: true } });

    const snapshot = await harness.connector.readFull();
    const staged = snapshot.users.find((user) => user.sourceStatus === 'STAGED');
    const provisioned = snapshot.users.find((user) => user.sourceStatus === 'PROVISIONED');

    expect(staged?.lifecycle).toBe('active');
    expect(provisioned?.lifecycle).toBe('active');
  });

  it('keeps foreign domains and email case as given', async () => {
    harness = await startHarness();
    const sample = createSampleDirectory();
    const foreign = sample.users.filter((user) => !user.email.toLowerCase().endsWith('@example.com'));
    const mixedCase = sample.users.filter((user) => user.email !== user.email.toLowerCase());

    const snapshot = await harness.connector.readFull();
    const emailById = new Map(snapshot.users.map((user) => [user.externalId, user.email]));

    expect(foreign.length).toBeGreaterThan(0);
    expect(mixedCase.length).toBeGreaterThan(0);
    for (const user of [...foreign, ...mixedCase]) {
      expect(emailById.get(user.id)).toBe(user.email);
    }
  });

  it('skips invalid users with a reason', async () => {
    harness = await startHarness({ directory: { userCount: 5, groupCount: 1 } });
    harness.server.state.rawUsers.push(
      { id: 42, status: 'ACTIVE', profile: { login: 'n@example.com' } },
      { id: '00uNoProfile', status: 'ACTIVE' },
      { id: '00uNoEmail', status: 'ACTIVE', profile: { login: 'just-a-name' } },
      { id: '00uBadName', status: 'ACTIVE', profile: { login: 'b@example.com', firstName: 7 } },
      { id: '00uOddStatus', status: 'HIBERNATING', profile: { login: 'h@example.com' } },
    );

    const snapshot = await harness.connector.readFull();
    const reasons = snapshot.skipped.map((entry) => entry.reason);

    expect(snapshot.users).toHaveLength(5);
    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.skipped).toHaveLength(5);
    expect(reasons[0]).toContain('no string id (id is 42)');
    expect(reasons[1]).toContain('00uNoProfile has no profile object');
    expect(reasons[2]).toContain('"just-a-name" is not an email address');
    expect(reasons[3]).toContain('profile.firstName of type number');
    expect(reasons[4]).toContain('unknown status "HIBERNATING"');
  });

  it('uses the login when the email is missing', async () => {
    harness = await startHarness({ directory: { userCount: 1, groupCount: 1 } });
    harness.server.state.rawUsers.push({ id: '00uLoginOnly', status: 'ACTIVE', profile: { login: 'Login.Only@Example.com' } });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.users.find((user) => user.externalId === '00uLoginOnly')?.email).toBe('Login.Only@Example.com');
  });

  it('raises FatalError on a rejected token', async () => {
    harness = await startHarness({ directory: { userCount: 3, groupCount: 1 }, clientToken: 'wrong-token-value' });

    const read = harness.connector.readFull();

    await expect(read).rejects.toBeInstanceOf(FatalError);
    const error = (await read.catch((caught: unknown) => caught)) as FatalError;
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('OKTA_API_TOKEN');
    expect(error.message).not.toContain('wrong-token-value');
    expect(error.message).not.toContain(TEST_TOKEN);
    expect(harness.logLines.join('')).not.toContain('wrong-token-value');
  });

  it('marks the snapshot incomplete when a page keeps failing', async () => {
    harness = await startHarness({ directory: { userCount: 30, groupCount: 2 }, config: { pageSize: 10 } });
    harness.server.faults.failPage({ path: USERS_PATH, page: 2, status: 500, times: 10 });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(false);
    expect(snapshot.incompleteReasons).toHaveLength(1);
    expect(snapshot.incompleteReasons[0]).toContain('Reading users from Okta failed');
    expect(snapshot.incompleteReasons[0]).toContain('HTTP 500');
    // One good page, then the failing page and its two retries.
    expect(harness.server.requestCount(USERS_PATH)).toBe(4);
    expect(snapshot.groups).toHaveLength(2);
    expect(harness.logLines.join('')).not.toContain(TEST_TOKEN);
  });

  it('retries a page that fails once', async () => {
    harness = await startHarness({ directory: { userCount: 30, groupCount: 2 }, config: { pageSize: 10 } });
    harness.server.faults.failPage({ path: USERS_PATH, page: 2, status: 503, times: 1 });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.users).toHaveLength(30);
    expect(harness.server.requestCount(USERS_PATH)).toBe(4);
  });

  it('waits out a 429 and succeeds', async () => {
    harness = await startHarness({ directory: { userCount: 5, groupCount: 1 } });
    harness.server.faults.rateLimitNext({ path: USERS_PATH, times: 1, resetAfterSeconds: -1 });

    const snapshot = await harness.connector.readFull();
    const statuses = harness.server.requestLog.filter((entry) => USERS_PATH.test(entry.path)).map((entry) => entry.status);

    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.users).toHaveLength(5);
    expect(statuses).toEqual([429, 200]);
  });

  it('marks the snapshot incomplete after too many 429s', async () => {
    harness = await startHarness({ directory: { userCount: 5, groupCount: 1 } });
    harness.server.faults.rateLimitNext({ path: GROUPS_PATH, times: 10, resetAfterSeconds: -1 });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(false);
    expect(snapshot.incompleteReasons[0]).toContain('Reading groups from Okta failed');
    expect(snapshot.incompleteReasons[0]).toContain('rate limit');
    // The SDK's first try and its two retries; the connector adds none for a 429.
    expect(harness.server.requestCount(GROUPS_PATH)).toBe(3);
    expect(snapshot.users).toHaveLength(5);
  });

  it('marks the snapshot incomplete on timeouts', async () => {
    harness = await startHarness({ directory: { userCount: 5, groupCount: 1 }, config: { requestTimeoutMs: 100, maxRetries: 1 } });
    harness.server.faults.delayNext({ path: GROUPS_PATH, delayMs: 400, times: 2 });

    const snapshot = await harness.connector.readFull();

    expect(snapshot.isComplete).toBe(false);
    expect(snapshot.incompleteReasons[0]).toContain('Reading groups from Okta failed');
    expect(snapshot.groups).toEqual([]);
  });

  it('skips a group deleted during the read', async () => {
    harness = await startHarness({ directory: { userCount: 10, groupCount: 2 } });
    const deletedId = createSampleDirectory({ userCount: 10, groupCount: 2 }).groups[0]?.id ?? '';
    const membersPath = new RegExp(`^/api/v1/groups/${deletedId}/users$`);
    harness.server.faults.delayNext({ path: membersPath, delayMs: 50 });

    const reading = harness.connector.readFull();
    while (harness.server.requestCount(membersPath) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    harness.server.mutations.deleteGroup(deletedId);
    const snapshot = await reading;

    expect(snapshot.isComplete).toBe(true);
    expect(snapshot.groups.map((group) => group.externalId)).not.toContain(deletedId);
    expect(snapshot.groups).toHaveLength(1);
    expect(snapshot.skipped).toEqual([{ kind: 'group', id: deletedId, reason: `Okta group ${deletedId} was deleted during the read` }]);
  });

  it('counts requests through fetchCount', async () => {
    harness = await startHarness({ directory: { userCount: 10, groupCount: 2 } });
    let counted = 0;
    const connector = createOktaConnector({
      config: harness.config,
      token: new Secret(TEST_TOKEN),
      logger: createLogger({ level: 'silent' }),
      fetchCount: { inc: () => (counted += 1) },
    });

    await connector.readFull();

    expect(counted).toBe(harness.server.requestCount());
    expect(counted).toBe(1 + 1 + 2);
  });

  it('stops when aborted', async () => {
    harness = await startHarness({ directory: { userCount: 10, groupCount: 2 } });
    const controller = new AbortController();
    controller.abort();

    await expect(harness.connector.readFull({ signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(harness.server.requestCount()).toBe(0);
  });
});
