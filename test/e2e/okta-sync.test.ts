import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operationJobId } from '../../src/jobs/job-ids.js';
import { readAndPlan } from '../../src/jobs/sync-run.js';
import { isActionableOperation } from '../../src/reconcile/index.js';
import { startOktaSandbox, type OktaSandbox } from '../support/sandbox.js';
import { expectConverged as expectOrganization, expectedFromOkta, usersOnlyIn } from './expected-organization.js';

/**
 * The first slice end to end: the real Okta SDK reads the local Okta server,
 * the planner diffs against the emulator read over SCIM, and BullMQ workers on
 * a real Redis apply the plan. expected-organization.ts derives what the
 * emulator must contain from the sample directory by hand, not by the planner.
 */

function expectConverged(sandbox: OktaSandbox): void {
  expectOrganization(sandbox.emulator.organization(), expectedFromOkta(sandbox.directory));
}

describe('okta to emulator through BullMQ', () => {
  let sandbox: OktaSandbox;

  beforeEach(async () => {
    sandbox = await startOktaSandbox();
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('converges, then writes nothing, then applies exactly the changes', async () => {
    const { plan: dryRun } = await readAndPlan(
      { config: sandbox.config, connector: sandbox.connector, client: sandbox.client, state: sandbox.daemon.state, logger: sandbox.logger },
      { mode: 'full' },
    );
    expect(sandbox.emulator.stats().writes).toBe(0);

    const first = await sandbox.daemon.syncAndWait('full');
    expect(first.outcome).toBe('applied');
    expect(first.results?.failed).toBe(0);
    expectConverged(sandbox);

    // The dry run listed exactly what the first cycle applied.
    expect(first.plan.id).toBe(dryRun.id);
    expect(first.plan.operations.map(operationJobId)).toEqual(dryRun.operations.map(operationJobId));
    const plannedChanges = dryRun.operations.filter(isActionableOperation);
    expect(first.results?.applied).toBe(plannedChanges.length);
    expect(dryRun.counts['domain-check']).toBeGreaterThan(0);

    sandbox.emulator.resetStats();
    const second = await sandbox.daemon.syncAndWait('full');
    expect(second.outcome).toBe('no-changes');
    expect(sandbox.emulator.stats().writes).toBe(0);

    // Four changes in Okta: an email rename, a removal from a group, a suspension, a new user.
    const engineering = sandbox.directory.groups.find((group) => group.name === 'Engineering')!;
    const [renamed, removed, suspended] = usersOnlyIn(expectedFromOkta(sandbox.directory), 'Engineering');
    sandbox.okta.mutations.updateUser(renamed!, { email: 'Renamed.Person@Example.com', login: 'Renamed.Person@Example.com' });
    sandbox.okta.mutations.removeMember(engineering.id, removed!);
    sandbox.okta.mutations.updateUser(suspended!, { status: 'SUSPENDED' });
    sandbox.okta.mutations.addUser({
      id: '00unewuser000abcdEFG',
      login: 'new.hire@example.com',
      email: 'new.hire@example.com',
      firstName: 'New',
      lastName: 'Hire',
      status: 'ACTIVE',
      lastUpdated: new Date().toISOString(),
    });
    sandbox.okta.mutations.addMember(engineering.id, '00unewuser000abcdEFG');

    sandbox.emulator.resetStats();
    const third = await sandbox.daemon.syncAndWait('full');
    expect(third.results?.failed).toBe(0);
    expectConverged(sandbox);
    const users = sandbox.emulator.organization().users;
    expect(users.find((user) => user.externalId === renamed)?.userName.toLowerCase()).toBe('renamed.person@example.com');
    expect(users.find((user) => user.externalId === suspended)?.active).toBe(false);
    expect(users.find((user) => user.externalId === '00unewuser000abcdEFG')?.active).toBe(true);
    // The removed user was in no other mapped group, so it leaves scope and is deactivated.
    expect(users.find((user) => user.externalId === removed)?.active).toBe(false);
    // Exactly the needed writes: the rename and the suspension are one update each, the user who
    // left the only mapped group loses that membership and is deactivated, the new user is created
    // and added. Each is one SCIM request.
    const { 'domain-check': _domainChecks, ...changes } = third.plan.counts;
    expect(changes).toEqual({ provision: 1, 'user-update': 2, 'membership-add': 1, 'membership-remove': 1, deprovision: 1 });
    expect(sandbox.emulator.stats().writes).toBe(6);
  });

  it('deprovisions nobody when an Okta page fails', async () => {
    const first = await sandbox.daemon.syncAndWait('full');
    expect(first.results?.failed).toBe(0);
    const activeBefore = sandbox.emulator.organization().users.filter((user) => user.active).length;

    sandbox.okta.faults.failPage({ path: /^\/api\/v1\/users$/, page: 2, status: 500, times: 10 });
    sandbox.emulator.resetStats();
    const partial = await sandbox.daemon.syncAndWait('full');

    expect(partial.plan.isSourceComplete).toBe(false);
    const removals = partial.plan.operations.filter((operation) =>
      ['deprovision', 'membership-remove', 'group-delete'].includes(operation.kind),
    );
    expect(removals).toEqual([]);
    expect(sandbox.emulator.organization().users.filter((user) => user.active).length).toBe(activeBefore);
    expect(sandbox.emulator.stats().writes).toBe(0);
  });
});
