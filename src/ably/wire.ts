import { z } from 'zod';
import type { DesiredUser } from '../domain/operations.js';
import {
  ACCOUNT_ROLES,
  type AccountAccess,
  type AccountRole,
  type OrganizationGroup,
  type OrganizationUser,
} from '../domain/organization.js';
import { FatalError } from '../errors/index.js';

/** SCIM schema URNs of RFC 7643 and RFC 7644. */
export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
} as const;

const metaSchema = z.looseObject({ version: z.string().optional() }).optional();

const userResourceSchema = z.looseObject({
  id: z.string().min(1),
  userName: z.string().min(1),
  externalId: z.string().optional().nullable(),
  active: z.union([z.boolean(), z.string()]).optional().nullable(),
  displayName: z.string().optional().nullable(),
  name: z
    .looseObject({
      givenName: z.string().optional().nullable(),
      familyName: z.string().optional().nullable(),
    })
    .optional()
    .nullable(),
  emails: z
    .array(
      z.looseObject({
        value: z.string().optional().nullable(),
        type: z.string().optional().nullable(),
        primary: z.union([z.boolean(), z.string()]).optional().nullable(),
      }),
    )
    .optional()
    .nullable(),
  meta: metaSchema,
});

const memberSchema = z.looseObject({ value: z.string().min(1), type: z.string().optional().nullable() });

const groupResourceSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string(),
  externalId: z.string().optional().nullable(),
  members: z.array(memberSchema).optional().nullable(),
  meta: metaSchema,
});

const accountsExtensionSchema = z.looseObject({
  accounts: z
    .array(z.looseObject({ value: z.string().min(1), roles: z.array(z.string()).optional().nullable() }))
    .optional()
    .nullable(),
});

const listResponseSchema = z.looseObject({
  totalResults: z.number().int().min(0),
  startIndex: z.number().int().optional(),
  itemsPerPage: z.number().int().optional(),
  Resources: z.array(z.unknown()).optional(),
});

/** One page of a SCIM list response. */
export type ListResponse = z.infer<typeof listResponseSchema>;

/** The request behind a response, named in error messages. */
export interface ResponseOrigin {
  method: string;
  path: string;
  /** The HTTP status, when the body is the whole response rather than one item of a list. */
  status?: number;
}

/** A User resource as sent to the provider. */
export interface ScimUserBody {
  schemas: string[];
  userName: string;
  externalId: string;
  active: boolean;
  displayName?: string;
  name?: { givenName?: string; familyName?: string };
  emails: { value: string; type: 'work'; primary: true }[];
}

/** Builds the User resource for a create or a PUT from the attributes the daemon owns. */
export function toScimUser(user: DesiredUser): ScimUserBody {
  const body: ScimUserBody = {
    schemas: [SCHEMA.user],
    userName: user.userName,
    externalId: user.externalId,
    active: user.active,
    emails: [{ value: user.userName, type: 'work', primary: true }],
  };
  const name = toScimName(user);
  if (name) {
    body.name = name;
  }
  if (user.displayName !== undefined) {
    body.displayName = user.displayName;
  }
  return body;
}

/** Builds the `name` complex attribute; returns undefined when the user has neither name part. */
export function toScimName(user: DesiredUser): { givenName?: string; familyName?: string } | undefined {
  if (user.givenName === undefined && user.familyName === undefined) {
    return undefined;
  }
  const name: { givenName?: string; familyName?: string } = {};
  if (user.givenName !== undefined) {
    name.givenName = user.givenName;
  }
  if (user.familyName !== undefined) {
    name.familyName = user.familyName;
  }
  return name;
}

/** Reads a User resource. Throws `FatalError` when the body is not one. */
export function parseUser(body: unknown, origin: ResponseOrigin): OrganizationUser {
  const resource = parseWith(userResourceSchema, body, 'a SCIM User', origin);
  const user: OrganizationUser = {
    id: resource.id,
    userName: resource.userName,
    active: parseBoolean(resource.active) ?? true,
  };
  setIfPresent(user, 'externalId', resource.externalId);
  setIfPresent(user, 'displayName', resource.displayName);
  setIfPresent(user, 'givenName', resource.name?.givenName);
  setIfPresent(user, 'familyName', resource.name?.familyName);
  setIfPresent(user, 'email', pickPrimaryEmail(resource.emails ?? []));
  setIfPresent(user, 'version', resource.meta?.version);
  return user;
}

/**
 * Reads a Group resource. Members of type `Group` (nested groups) are left out,
 * because `memberIds` contains user ids only.
 */
export function parseGroup(body: unknown, roleExtensionUrn: string, origin: ResponseOrigin): OrganizationGroup {
  const resource = parseWith(groupResourceSchema, body, 'a SCIM Group', origin);
  const group: OrganizationGroup = {
    id: resource.id,
    displayName: resource.displayName,
    memberIds: parseMemberIds(resource.members, origin),
    accountAccess: parseAccountAccess(resource[roleExtensionUrn], origin),
  };
  setIfPresent(group, 'externalId', resource.externalId);
  setIfPresent(group, 'version', resource.meta?.version);
  return group;
}

/**
 * Reads the user ids of a `members` attribute; undefined or null reads as none.
 * Throws `FatalError` for a malformed array, because reading it as empty would
 * drop every member from the snapshot.
 */
export function parseMemberIds(members: unknown, origin: ResponseOrigin): string[] {
  const parsed = parseWith(z.array(memberSchema).optional().nullable(), members, 'a SCIM members array', origin);
  return (parsed ?? [])
    .filter((member) => member.type === undefined || member.type === null || member.type.toLowerCase() === 'user')
    .map((member) => member.value);
}

/** Reads a Group's `members` array as sent, to tell an absent or empty array from a full one. */
export function readRawMembers(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>).members : undefined;
}

/** Reads one page of a list response. Throws `FatalError` when the body is not a ListResponse. */
export function parseListResponse(body: unknown, origin: ResponseOrigin): ListResponse {
  return parseWith(listResponseSchema, body, 'a SCIM ListResponse', origin);
}

/** Builds the role extension's `accounts` value. */
export function toScimAccounts(access: AccountAccess[]): { value: string; roles: AccountRole[] }[] {
  return access.map((entry) => ({ value: entry.accountId, roles: [...entry.roles] }));
}

function parseAccountAccess(extension: unknown, origin: ResponseOrigin): AccountAccess[] {
  if (extension === undefined || extension === null) {
    return [];
  }
  const parsed = parseWith(accountsExtensionSchema, extension, 'the account access extension', origin);
  return (parsed.accounts ?? []).map((account) => ({
    accountId: account.value,
    // NOTE: roles other than Developer, Billing and Admin (Owner, or a role Ably
    // adds later) are dropped, because this tool never grants them.
    roles: (account.roles ?? []).filter((role): role is AccountRole => (ACCOUNT_ROLES as readonly string[]).includes(role)),
  }));
}

function pickPrimaryEmail(emails: { value?: string | null; type?: string | null; primary?: boolean | string | null }[]): string | undefined {
  const withValue = emails.filter((email) => typeof email.value === 'string' && email.value !== '');
  const primary = withValue.find((email) => parseBoolean(email.primary) === true);
  const work = withValue.find((email) => email.type?.toLowerCase() === 'work');
  return (primary ?? work ?? withValue[0])?.value ?? undefined;
}

/** Reads a SCIM boolean, accepting the string forms `"True"`/`"False"` that some providers send. */
function parseBoolean(value: boolean | string | null | undefined): boolean | undefined {
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') {
      return lower === 'true';
    }
  }
  return undefined;
}

function setIfPresent<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null | undefined): void {
  if (value !== undefined && value !== null) {
    target[key] = value;
  }
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown, expected: string, origin: ResponseOrigin): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) {
    return parsed.data;
  }
  // Only the paths of the invalid fields go into the message, never their values.
  const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
  const status = origin.status === undefined ? '' : ` HTTP ${origin.status} with`;
  throw new FatalError(
    `${origin.method} ${origin.path} returned${status} a body that is not ${expected} (invalid or missing: ${fields}). The provider does not follow SCIM 2.0 here.`,
  );
}
