import { z } from 'zod';
import { OPERATION_PHASES, type OperationKind } from '../domain/operations.js';
import { PLAN_JSON_SCHEMA_VERSION } from './json.js';

const operationKinds = OPERATION_PHASES.flat() as [OperationKind, ...OperationKind[]];
const operationKind = z.enum(operationKinds);
const accountRole = z.enum(['Developer', 'Billing', 'Admin']);
const accountAccess = z.array(z.strictObject({ accountId: z.string(), roles: z.array(accountRole) }));

const fieldChange = z.strictObject({
  field: z.string().describe('The changed attribute, such as userName, active, displayName or accountAccess.'),
  from: z.unknown().describe('The value in the organization before the operation; emails are shown per emailDisplay.'),
  to: z.unknown().describe('The value after the operation.'),
});

const operation = z.strictObject({
  kind: operationKind,
  phase: z.number().int().min(1).max(3).describe('1: users and groups, 2: memberships and roles, 3: removals.'),
  actionable: z.boolean().describe('False for domain checks and report-only role links, which change nothing in Ably.'),
  target: z.strictObject({
    type: z.enum(['user', 'group']),
    externalId: z.string().describe('The IdP id of the user or group.'),
    label: z.string().describe('The email per emailDisplay for users (the IdP id when hidden), the IdP name for groups.'),
  }),
  summary: z.string().describe('One line for people.'),
  reason: z.strictObject({
    rule: z.string().describe('The planner rule behind the operation; see docs/plan-schema.md.'),
    detail: z.string(),
    groups: z.array(z.string()).describe('The IdP groups behind the operation, by name.'),
    changes: z.array(fieldChange),
  }),
  active: z.boolean().optional().describe('provision and user-update: whether the Ably user ends up active.'),
  mode: z.enum(['deactivate', 'delete']).optional().describe('deprovision only.'),
  memberExternalIds: z.array(z.string()).optional().describe('membership-add and membership-remove: the users, by IdP id.'),
  accountAccess: accountAccess.optional().describe('role-assignment: the full set of links the group ends up with.'),
  reportOnly: z.boolean().optional().describe('role-assignment: true when an administrator must set the links in the Ably dashboard.'),
  registeredDomain: z.string().optional().describe('domain-check: the domain Ably accepts.'),
});

const notice = z.strictObject({
  kind: z.enum(['unmanaged-user', 'unmanaged-group', 'skipped-idp-object', 'removals-withheld', 'report-only-role']),
  subject: z.string().describe('A SCIM id, an IdP id, or `directory`.'),
  detail: z.string(),
});

const accountSummary = z.strictObject({
  accountId: z.string(),
  accountName: z.string(),
  roleAssignmentCount: z.number().int().min(0),
  membersAdded: z.number().int().min(0),
  membersRemoved: z.number().int().min(0),
});

/** The schema of `PlanJson`, the report JSON of a plan. `docs/plan.schema.json` is generated from it. */
export const planJsonSchema = z.strictObject({
  schemaVersion: z.literal(PLAN_JSON_SCHEMA_VERSION),
  planId: z.string().describe('Stable content hash of the operations; an approval names this id.'),
  createdAt: z.string(),
  source: z.string().describe('okta, entra or file.'),
  isSourceComplete: z.boolean().describe('False when the directory read was incomplete or empty, so removals were withheld.'),
  status: z.enum(['no-changes', 'changes-pending', 'held']),
  emailDisplay: z.enum(['full', 'masked', 'hidden']),
  hold: z
    .strictObject({ reason: z.string(), removalCount: z.number().int().min(0), managedUserCount: z.number().int().min(0) })
    .nullable(),
  summary: z.strictObject({
    operationCount: z.number().int().min(0),
    actionableCount: z.number().int().min(0),
    byKind: z.strictObject(Object.fromEntries(operationKinds.map((kind) => [kind, z.number().int().min(0)])) as Record<OperationKind, z.ZodNumber>),
    byAccount: z.array(accountSummary),
    noticeCount: z.number().int().min(0),
  }),
  operations: z.array(operation),
  accessChanges: z
    .array(
      z.strictObject({
        externalId: z.string(),
        label: z.string().describe('The email per emailDisplay, or the IdP id when hidden.'),
        before: accountAccess.describe('Roles inherited from Ably groups now, while the user is active.'),
        after: accountAccess.describe('Roles inherited from Ably groups after the plan; empty when the user ends up inactive.'),
      }),
    )
    .nullable()
    .describe('Users whose group-inherited roles change. Null when the SCIM service has no role extension.'),
  notices: z.array(notice),
});

/** Returns the JSON Schema (draft 2020-12) of `PlanJson`, as written to `docs/plan.schema.json`. */
export function planJsonSchemaDocument(): Record<string, unknown> {
  return {
    title: 'ably-idp-sync plan report',
    description: 'The JSON that `ably-idp-sync plan --format json` writes: see docs/plan-schema.md.',
    ...z.toJSONSchema(planJsonSchema, { target: 'draft-2020-12' }),
  };
}
