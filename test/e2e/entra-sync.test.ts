import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operationJobId } from '../../src/jobs/job-ids.js';
import { readAndPlan } from '../../src/jobs/sync-run.js';
import { isActionableOperation } from '../../src/reconcile/index.js';
import { entraObjectId, EXTRA_OBJECT_IDS, type GraphUser } from '../../src/sandbox/graph-directory.js';
import { startEntraSandbox, type EntraSandbox } from '../support/sandbox.js';
import { expectConverged, expectedFromGraph, usersOnlyIn } from './expected-organization.js';

/**
 * Entra end to end: @azure/identity takes a token from the local Graph
 * server's token endpoint, the Entra connector reads the tenant through
 * delta rounds, and BullMQ workers on a real Redis apply the plan to the
 * emulator. Expectations come from the Graph tenant state, not the planner.
 */

const NEW_USER: GraphUser = {
  id: entraObjectId('e2e-new-hire'),
  displayName: 'Nina Newhire',
  givenName: 'Nina',
  surname: 'Newhire',
  mail: 'nina.newhire@example.com',
  otherMails: [],
  userPrincipalName: 'nina.newhire@example.com',
  accountEnabled: true,
  userType: 'Member',
};

/** Users that exercise the email and guest rules inside the registered domain. */
const RULE_USERS: GraphUser[] = [
  { ...NEW_USER, id: entraObjectId('e2e-guest-in-domain'), displayName: 'Gus Guest', mail: 'gus.guest@example.com', userPrincipalName: 'gus.guest_example.com#EXT#@sandbox-tenant.onmicrosoft.com', userType: 'Guest' },
  { ...NEW_USER, id: entraObjectId('e2e-other-mails'), displayName: 'Olga Other', mail: null, otherMails: ['Olga.Other@example.com'], userPrincipalName: 'olga.other@sandbox-tenant.onmicrosoft.com' },
  { ...NEW_USER, id: entraObjectId('e2e-upn-only'), displayName: 'Uma Upn', mail: null, otherMails: [], userPrincipalName: 'uma.upn@example.com' },
];

describe('entra to emulator through BullMQ', () => {
  let sandbox: EntraSandbox;

  beforeEach(async () => {
    sandbox = await startEntraSandbox();
  });

  afterEach(async () => {
    await sandbox.close();
  });

  it('converges, then applies exact changes', async () => {
    const engineering = entraObjectId(sandbox.directory.groups.find((group) => group.name === 'Engineering')!.id);
    for (const user of RULE_USERS) {
      sandbox.graph.mutations.addUser(user, [engineering]);
    }

    const { plan: dryRun } = await readAndPlan(
      { config: sandbox.config, connector: sandbox.connector, client: sandbox.client, state: sandbox.daemon.state, logger: sandbox.logger },
      { mode: 'full' },
    );
    expect(sandbox.emulator.stats().writes).toBe(0);

    const first = await sandbox.daemon.syncAndWait('full');
    expect(first.outcome).toBe('applied');
    expect(first.results?.failed).toBe(0);
    expect(first.plan.operations.map(operationJobId)).toEqual(dryRun.operations.map(operationJobId));
    expect(first.results?.applied).toBe(dryRun.operations.filter(isActionableOperation).length);
    expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));

    // The tenant's extra objects sit in Engineering: guests, a member whose only address is an
    // onmicrosoft.com UPN, and non-user members. None of them may reach Ably.
    const organization = sandbox.emulator.organization();
    const externalIds = new Set(organization.users.map((user) => user.externalId));
    for (const id of [
      RULE_USERS[0]!.id,
      EXTRA_OBJECT_IDS.guestWithMail,
      EXTRA_OBJECT_IDS.guestWithOtherMails,
      EXTRA_OBJECT_IDS.guestWithoutEmail,
      EXTRA_OBJECT_IDS.memberWithUnroutableUpn,
      EXTRA_OBJECT_IDS.nestedOnlyUser,
      EXTRA_OBJECT_IDS.device,
      EXTRA_OBJECT_IDS.orgContact,
      EXTRA_OBJECT_IDS.servicePrincipal,
    ]) {
      expect(externalIds.has(id), `${id} must not be provisioned`).toBe(false);
    }
    // Without mail, the first otherMails entry is the email, then a UPN that can receive mail.
    expect(organization.users.find((user) => user.externalId === RULE_USERS[1]!.id)?.userName).toBe('Olga.Other@example.com');
    expect(organization.users.find((user) => user.externalId === RULE_USERS[2]!.id)?.userName).toBe('uma.upn@example.com');

    sandbox.emulator.resetStats();
    const second = await sandbox.daemon.syncAndWait('full');
    expect(second.outcome).toBe('no-changes');
    expect(sandbox.emulator.stats().writes).toBe(0);

    // Four changes in the tenant: an email rename, a removal from a group, a disable, a new user.
    const [renamed, removed, disabled] = usersOnlyIn(expectedFromGraph(sandbox.graph.tenant), 'Engineering');
    sandbox.graph.mutations.updateUser(renamed!, { mail: 'Renamed.Person@Example.com', userPrincipalName: 'Renamed.Person@Example.com' });
    sandbox.graph.mutations.removeMember(engineering, removed!);
    sandbox.graph.mutations.disableUser(disabled!);
    sandbox.graph.mutations.addUser(NEW_USER, [engineering]);

    sandbox.emulator.resetStats();
    const third = await sandbox.daemon.syncAndWait('full');
    expect(third.results?.failed).toBe(0);
    expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));
    const users = sandbox.emulator.organization().users;
    expect(users.find((user) => user.externalId === renamed)?.userName.toLowerCase()).toBe('renamed.person@example.com');
    expect(users.find((user) => user.externalId === disabled)?.active).toBe(false);
    expect(users.find((user) => user.externalId === NEW_USER.id)?.active).toBe(true);
    // The removed user was in no other mapped group, so it leaves scope and is deactivated.
    expect(users.find((user) => user.externalId === removed)?.active).toBe(false);

    // One SCIM request each: the rename and the disable update a user, the user who left its only
    // mapped group loses that membership and is deactivated, the new user is created and added.
    const { 'domain-check': _domainChecks, ...changes } = third.plan.counts;
    expect(changes).toEqual({ provision: 1, 'user-update': 2, 'membership-add': 1, 'membership-remove': 1, deprovision: 1 });
    expect(sandbox.emulator.stats().writes).toBe(6);
  });
});

describe('entra full sync with userFilter', () => {
  // /users/delta accepts no $filter, so the connector cannot give a cursor with a userFilter.
  // The sync run then falls back to a plain full read, which applies the filter.
  it('applies the filtered directory', async () => {
    const sandbox = await startEntraSandbox({
      users: 60,
      configure: (config) =>
        config.source.kind === 'entra' ? { ...config, source: { ...config.source, userFilter: 'accountEnabled eq true' } } : config,
    });
    try {
      const report = await sandbox.daemon.syncAndWait('full');
      expect(report.outcome).toBe('applied');
      expectConverged(sandbox.emulator.organization(), expectedFromGraph(sandbox.graph.tenant));
    } finally {
      await sandbox.close();
    }
  });
});
