import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/reports/types.js';
import { entraObjectId, type GraphUser } from '../../src/sandbox/graph-directory.js';
import { startEntraSandbox, startOktaSandbox, type EntraSandbox, type OktaSandbox } from '../support/sandbox.js';
import { expectConverged, expectedFromGraph, expectedFromOkta, usersOnlyIn } from './expected-organization.js';

/**
 * Incremental syncs end to end. A full sync stores the IdP cursor, which is an
 * Okta System Log position or a pair of Graph delta links. An incremental sync
 * then reads only what changed since that cursor, applies the changes to the
 * stored snapshot and plans from the result. The request counts come from the
 * local IdP servers.
 */

/** The most IdP requests a small change may cost in an incremental read. */
const MAX_INCREMENTAL_REQUESTS = 5;

/** Operation kinds that take access away. */
const REMOVAL_KINDS = ['deprovision', 'membership-remove', 'group-delete'];

const NEW_ENTRA_USER: GraphUser = {
  id: entraObjectId('incremental-new-hire'),
  displayName: 'Ines Incremental',
  givenName: 'Ines',
  surname: 'Incremental',
  mail: 'ines.incremental@example.com',
  otherMails: [],
  userPrincipalName: 'ines.incremental@example.com',
  accountEnabled: true,
  userType: 'Member',
};

function removals(report: RunReport): string[] {
  return report.plan.operations.filter((operation) => REMOVAL_KINDS.includes(operation.kind)).map((operation) => operation.kind);
}

/** Runs a sync and returns its report with the number of IdP requests it made. */
async function measured(sandbox: { daemon: OktaSandbox['daemon'] }, mode: 'full' | 'incremental', count: () => number) {
  const before = count();
  const report = await sandbox.daemon.syncAndWait(mode);
  return { report, requests: count() - before };
}

describe('okta incremental sync', () => {
  let sandbox: OktaSandbox;
  const oktaRequests = () => sandbox.okta.requestCount();

  afterEach(async () => {
    await sandbox.close();
  });

  it('reads a rename in a few requests', async () => {
    sandbox = await startOktaSandbox();
    const full = await measured(sandbox, 'full', oktaRequests);
    expect(full.report.results?.failed).toBe(0);
    expect(await sandbox.daemon.state.cursor('okta')).toBeDefined();

    const [renamed] = usersOnlyIn(expectedFromOkta(sandbox.directory), 'Engineering');
    sandbox.okta.mutations.updateUser(renamed!, { email: 'Incremental.Rename@Example.com', login: 'Incremental.Rename@Example.com' });
    sandbox.emulator.resetStats();
    const incremental = await measured(sandbox, 'incremental', oktaRequests);

    expect(incremental.report.mode).toBe('incremental');
    expect(incremental.requests).toBeGreaterThan(0);
    expect(incremental.requests).toBeLessThanOrEqual(MAX_INCREMENTAL_REQUESTS);
    expect(incremental.requests * 5).toBeLessThan(full.requests);
    expect(incremental.report.results?.failed).toBe(0);
    expect(sandbox.emulator.stats().writes).toBe(1);
    expectConverged(sandbox.emulator.organization(), expectedFromOkta(sandbox.directory));
    const user = sandbox.emulator.organization().users.find((candidate) => candidate.externalId === renamed);
    expect(user?.userName.toLowerCase()).toBe('incremental.rename@example.com');
  });

  it('deactivates a user deleted in Okta', async () => {
    sandbox = await startOktaSandbox();
    const full = await sandbox.daemon.syncAndWait('full');
    expect(full.results?.failed).toBe(0);
    const activeBefore = sandbox.emulator.organization().users.filter((user) => user.active).length;

    const [deleted] = usersOnlyIn(expectedFromOkta(sandbox.directory), 'Platform');
    sandbox.okta.mutations.deleteUser(deleted!);
    const incremental = await sandbox.daemon.syncAndWait('incremental');

    expect(incremental.mode).toBe('incremental');
    expect(incremental.results?.failed).toBe(0);
    expect(incremental.plan.counts.deprovision).toBe(1);
    const users = sandbox.emulator.organization().users;
    // Deactivate is the sample's deprovision mode: the user stays in Ably, inactive.
    expect(users.find((user) => user.externalId === deleted)?.active).toBe(false);
    expect(users.filter((user) => user.active).length).toBe(activeBefore - 1);
    expectConverged(sandbox.emulator.organization(), expectedFromOkta(sandbox.directory));
  });
});

describe('entra incremental sync', () => {
  let sandbox: EntraSandbox;
  const graphRequests = () => sandbox.graph.counts.graphRequests;

  afterEach(async () => {
    await sandbox.close();
  });

  /** A small page size makes the full read page through the tenant, as a large tenant would. */
  const startSandbox = () => startEntraSandbox({ graph: { pageSize: 25 } });

  it('reads a few changes in a few requests', async () => {
    sandbox = await startSandbox();
    const full = await measured(sandbox, 'full', graphRequests);
    expect(full.report.results?.failed).toBe(0);
    expect(await sandbox.daemon.state.cursor('entra')).toBeDefined();

    const engineering = entraObjectId(sandbox.directory.groups.find((group) => group.name === 'Engineering')!.id);
    const [renamed, disabled] = usersOnlyIn(expectedFromGraph(sandbox.graph.tenant), 'Engineering');
    sandbox.graph.mutations.updateUser(renamed!, { mail: 'Incremental.Rename@Example.com', userPrincipalName: 'Incremental.Rename@Example.com' });
    sandbox.graph.mutations.disableUser(disabled!);
    sandbox.graph.mutations.addUser(NEW_ENTRA_USER, [engineering]);
    sandbox.emulator.resetStats();
    const incremental = await measured(sandbox, 'incremental', graphRequests);

    expect(incremental.report.mode).toBe('incremental');
    expect(incremental.requests).toBeGreaterThan(0);
    expect(incremental.requests).toBeLessThanOrEqual(MAX_INCREMENTAL_REQUESTS);
    expect(incremental.requests * 5).toBeLessThan(full.requests);
    expect(incremental.report.results?.failed).toBe(0);
    expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));
    const { 'domain-check': _domainChecks, ...changes } = incremental.report.plan.counts;
    expect(changes).toEqual({ provision: 1, 'user-update': 2, 'membership-add': 1 });
    expect(sandbox.emulator.stats().writes).toBe(4);
  });

  it('reads in full after the delta token expires', async () => {
    sandbox = await startSandbox();
    const full = await measured(sandbox, 'full', graphRequests);
    expect(full.report.results?.failed).toBe(0);
    const activeBefore = sandbox.emulator.organization().users.filter((user) => user.active).length;

    const engineering = entraObjectId(sandbox.directory.groups.find((group) => group.name === 'Engineering')!.id);
    sandbox.graph.mutations.addUser(NEW_ENTRA_USER, [engineering]);
    sandbox.graph.mutations.expireDeltaTokens();
    const fallback = await measured(sandbox, 'incremental', graphRequests);

    // One request learns that the token expired (410); the rest is the same full read as before.
    expect(fallback.report.mode).toBe('full');
    expect(fallback.requests).toBeGreaterThanOrEqual(full.requests);
    expect(fallback.requests).toBeLessThanOrEqual(full.requests + 2);
    expect(fallback.report.results?.failed).toBe(0);
    expect(removals(fallback.report)).toEqual([]);
    expect(sandbox.emulator.organization().users.filter((user) => user.active).length).toBe(activeBefore + 1);
    expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));

    // The full read stored fresh delta links, so the next incremental sync is cheap again.
    const next = await measured(sandbox, 'incremental', graphRequests);
    expect(next.report.mode).toBe('incremental');
    expect(next.report.outcome).toBe('no-changes');
    expect(next.requests).toBeLessThanOrEqual(MAX_INCREMENTAL_REQUESTS);
  });

  it('deprovisions nobody when a delta page fails', async () => {
    sandbox = await startSandbox();
    const full = await sandbox.daemon.syncAndWait('full');
    expect(full.results?.failed).toBe(0);
    const activeBefore = sandbox.emulator.organization().users.filter((user) => user.active).length;

    // A complete read would take this user out of scope.
    const engineering = entraObjectId(sandbox.directory.groups.find((group) => group.name === 'Engineering')!.id);
    const [removed] = usersOnlyIn(expectedFromGraph(sandbox.graph.tenant), 'Engineering');
    sandbox.graph.mutations.removeMember(engineering, removed!);
    // The user round succeeds; every try of the group round fails.
    sandbox.graph.faults.failures.push({ pathIncludes: '/groups/delta', status: 500, remaining: 100 });
    sandbox.emulator.resetStats();
    const partial = await sandbox.daemon.syncAndWait('incremental');

    expect(partial.plan.isSourceComplete).toBe(false);
    expect(removals(partial)).toEqual([]);
    expect(sandbox.emulator.stats().writes).toBe(0);
    expect(sandbox.emulator.organization().users.filter((user) => user.active).length).toBe(activeBefore);

    // A full sync that meets the same failure falls back to a plain full read (no delta links),
    // which succeeds, so the removal is applied, and no cursor is stored.
    const fallback = await sandbox.daemon.syncAndWait('full');
    expect(fallback.plan.isSourceComplete).toBe(true);
    expect(sandbox.emulator.organization().users.find((user) => user.externalId === removed)?.active).toBe(false);

    // Once Graph recovers, the stored cursor still applies and the organization stays converged.
    sandbox.graph.faults.failures.length = 0;
    const recovered = await sandbox.daemon.syncAndWait('incremental');
    expect(recovered.mode).toBe('incremental');
    expect(recovered.outcome).toBe('no-changes');
    expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));
  });
});
