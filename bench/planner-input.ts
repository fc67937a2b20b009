import { configSchema } from '../src/config/schema.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser, UserLifecycle } from '../src/domain/directory.js';
import type { OrganizationGroup, OrganizationSnapshot, OrganizationUser } from '../src/domain/organization.js';
import { buildDesiredState, type PlanInput } from '../src/reconcile/index.js';

/** The fixed planning time, so plans of the same input are identical. */
export const PLAN_TIME = new Date('2026-03-01T12:00:00.000Z');

const ACCOUNTS = [
  { id: 'acc-prod', name: 'Production' },
  { id: 'acc-staging', name: 'Staging' },
  { id: 'acc-dev', name: 'Development' },
];

/** The sizes of one synthetic directory. */
export interface PlannerSize {
  users: number;
  groups: number;
}

/**
 * Builds a synthetic directory and a mapping for the planner benchmark.
 *
 * `createSampleDirectory` stops at 22 groups, so this builds its own: every
 * user joins one home group and every fourth user a second one. Every other
 * group is mapped by name, to one or two accounts. One user in 40 has a
 * foreign email domain, one in 20 is suspended and one in 50 is pending.
 * All of them have even indexes, so they land in mapped groups and the plan
 * also carries domain checks, deactivations and skipped users.
 */
export function buildPlannerInput(size: PlannerSize): Omit<PlanInput, 'organization'> {
  const users: DirectoryUser[] = [];
  for (let index = 0; index < size.users; index += 1) {
    users.push(directoryUser(index));
  }

  const groups: DirectoryGroup[] = [];
  for (let index = 0; index < size.groups; index += 1) {
    groups.push({ externalId: `00g${String(index).padStart(17, '0')}`, name: `Team ${index}`, memberIds: [] });
  }
  users.forEach((user, index) => {
    groups[index % size.groups]!.memberIds.push(user.externalId);
    if (index % 4 === 0) {
      groups[(index * 7 + 1) % size.groups]!.memberIds.push(user.externalId);
    }
  });

  const directory: DirectorySnapshot = {
    source: 'file',
    users,
    groups,
    isComplete: true,
    incompleteReasons: [],
    skipped: [],
    readAt: PLAN_TIME.toISOString(),
  };
  return { directory, config: plannerConfig(groups), deactivatedAt: new Map(), now: PLAN_TIME };
}

/** Returns an organization with no users and no groups, and full SCIM capabilities. */
export function emptyOrganization(): OrganizationSnapshot {
  return {
    users: [],
    groups: [],
    capabilities: {
      patch: true,
      filter: true,
      maxResults: 100,
      etag: false,
      bulk: false,
      hasRoleExtension: true,
      maxPatchOperations: 100,
    },
    readAt: PLAN_TIME.toISOString(),
  };
}

/**
 * Builds the organization the workers would leave behind after applying the
 * plan against an empty one: every desired user and group, with members and
 * account access, under SCIM ids derived from the IdP ids. It is built from
 * the desired state in linear time, because replaying the plan with
 * `test/support/apply-plan.ts` takes over a minute at 50,000 users.
 */
export function convergedOrganization(input: Omit<PlanInput, 'organization'>): { organization: OrganizationSnapshot; deactivatedAt: Map<string, string> } {
  const desired = buildDesiredState(input.directory, input.config);
  const scimId = (externalId: string): string => `scim-${externalId}`;

  const users: OrganizationUser[] = [];
  const deactivatedAt = new Map<string, string>();
  for (const user of desired.users.values()) {
    users.push({ id: scimId(user.externalId), email: user.userName, ...user });
    if (!user.active) {
      deactivatedAt.set(user.externalId, PLAN_TIME.toISOString());
    }
  }
  const groups: OrganizationGroup[] = [...desired.groups.values()].map((group) => ({
    id: scimId(group.externalId),
    externalId: group.externalId,
    displayName: group.displayName,
    memberIds: group.memberExternalIds.map(scimId),
    accountAccess: group.accountAccess.map((access) => ({ accountId: access.accountId, roles: [...access.roles] })),
  }));
  return { organization: { ...emptyOrganization(), users, groups }, deactivatedAt };
}

function directoryUser(index: number): DirectoryUser {
  const domain = index % 40 === 38 ? 'contractor.example.net' : 'example.com';
  const email = `user.${index}@${domain}`;
  return {
    externalId: `00u${String(index).padStart(17, '0')}`,
    login: email,
    email,
    givenName: 'Given',
    familyName: `Family${index}`,
    displayName: `Given Family${index}`,
    lifecycle: lifecycleFor(index),
    sourceStatus: 'ACTIVE',
  };
}

function lifecycleFor(index: number): UserLifecycle {
  if (index % 20 === 4) return 'suspended';
  if (index % 50 === 8) return 'pending';
  return 'active';
}

function plannerConfig(groups: readonly DirectoryGroup[]): PlanInput['config'] {
  const mapped = groups.filter((_, index) => index % 2 === 0);
  const config = configSchema.parse({
    source: { kind: 'file', path: 'directory.json' },
    ably: { scimBaseUrl: 'http://127.0.0.1:1/scim/v2' },
    organization: { domain: 'example.com', primaryAccount: 'acc-prod', accounts: ACCOUNTS },
    mapping: {
      groups: mapped.map((group, index) => ({
        idpGroup: { name: group.name },
        accounts:
          index % 3 === 0
            ? [{ account: 'acc-prod', roles: ['Developer'] }, { account: 'acc-dev', roles: ['Admin'] }]
            : [{ account: ACCOUNTS[index % ACCOUNTS.length]!.id, roles: ['Developer'] }],
      })),
    },
    // The benchmark plans against an empty organization, so no removals and no hold.
    policy: { deprovision: { mode: 'deactivate' } },
  });
  return { organization: config.organization, mapping: config.mapping, policy: config.policy };
}
