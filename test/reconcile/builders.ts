import { configSchema, type Config } from '../../src/config/schema.js';
import type { DirectoryGroup, DirectorySnapshot, DirectoryUser } from '../../src/domain/directory.js';
import type { OrganizationGroup, OrganizationSnapshot, OrganizationUser, ProviderCapabilities } from '../../src/domain/organization.js';
import type { PlanInput } from '../../src/reconcile/index.js';

/** The configuration sections the planner reads. */
export type PlannerConfig = PlanInput['config'];

export const NOW = new Date('2026-03-01T12:00:00.000Z');

/**
 * Builds a validated planner configuration: accounts `prod` (primary) and
 * `dev`, the domain `example.com`, and a mapping of Engineering (by name),
 * `Plat.*` (by pattern) and the group with id `g-finance`.
 */
export function makeConfig(overrides: {
  mapping?: Partial<Config['mapping']>;
  policy?: Record<string, unknown>;
  organization?: Partial<Config['organization']>;
} = {}): PlannerConfig {
  const config = configSchema.parse({
    source: { kind: 'file', path: 'directory.json' },
    ably: { scimBaseUrl: 'http://127.0.0.1:1/scim/v2' },
    organization: {
      domain: 'example.com',
      primaryAccount: 'prod',
      accounts: [
        { id: 'prod', name: 'Production' },
        { id: 'dev', name: 'Development' },
      ],
      ...overrides.organization,
    },
    mapping: {
      groups: [
        { idpGroup: { name: 'engineering' }, accounts: [{ account: 'prod', roles: ['Developer'] }, { account: 'dev', roles: ['Admin'] }] },
        { idpGroup: { pattern: 'Plat.*' }, accounts: [{ account: 'prod', roles: ['Admin'] }] },
        { idpGroup: { id: 'g-finance' }, accounts: [{ account: 'prod', roles: ['Billing'] }] },
      ],
      ...overrides.mapping,
    },
    policy: overrides.policy ?? {},
  });
  return { organization: config.organization, mapping: config.mapping, policy: config.policy };
}

export function directoryUser(id: string, fields: Partial<DirectoryUser> = {}): DirectoryUser {
  const email = fields.email ?? `${id}@example.com`;
  return { externalId: id, login: email, email, givenName: 'Given', familyName: id, lifecycle: 'active', sourceStatus: 'ACTIVE', ...fields };
}

export function directoryGroup(id: string, name: string, memberIds: string[]): DirectoryGroup {
  return { externalId: id, name, memberIds };
}

export function directory(users: DirectoryUser[], groups: DirectoryGroup[], fields: Partial<DirectorySnapshot> = {}): DirectorySnapshot {
  return { source: 'file', users, groups, isComplete: true, incompleteReasons: [], skipped: [], readAt: NOW.toISOString(), ...fields };
}

/** Builds an organization user as the planner would see it after provisioning `directoryUser(id)`. */
export function organizationUser(id: string, fields: Partial<OrganizationUser> = {}): OrganizationUser {
  const userName = fields.userName ?? `${id}@example.com`;
  return { id: `scim-${id}`, externalId: id, userName, email: userName, givenName: 'Given', familyName: id, active: true, ...fields };
}

export function organizationGroup(id: string, displayName: string, fields: Partial<OrganizationGroup> = {}): OrganizationGroup {
  return { id: `scim-${id}`, externalId: id, displayName, memberIds: [], accountAccess: [], ...fields };
}

export const FULL_CAPABILITIES: ProviderCapabilities = {
  patch: true,
  filter: true,
  maxResults: 100,
  etag: false,
  bulk: false,
  hasRoleExtension: true,
  maxPatchOperations: 100,
};

export function organization(users: OrganizationUser[], groups: OrganizationGroup[], capabilities: Partial<ProviderCapabilities> = {}): OrganizationSnapshot {
  return { users, groups, capabilities: { ...FULL_CAPABILITIES, ...capabilities }, readAt: NOW.toISOString() };
}

export function planInput(fields: Partial<PlanInput> & Pick<PlanInput, 'directory'>): PlanInput {
  return {
    organization: organization([], []),
    config: makeConfig(),
    deactivatedAt: new Map(),
    now: NOW,
    ...fields,
  };
}
