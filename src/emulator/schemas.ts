/**
 * The schemas, resource types and service provider configuration that the
 * emulator serves on `/Schemas`, `/ResourceTypes` and
 * `/ServiceProviderConfig`, and that its validation, filters and PATCH
 * engine read attribute characteristics from (RFC 7643 §7 and §8.7).
 */

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute's characteristics, as RFC 7643 §7 defines them. */
export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

/** A schema served on `/Schemas`. */
export interface SchemaDefinition {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDefinition[];
}

/** A resource type with its core schema and the extensions it accepts. */
export interface ResourceModel {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  description: string;
  core: SchemaDefinition;
  extensions: SchemaDefinition[];
}

export const USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const DEFAULT_ROLE_EXTENSION_URN = 'urn:ably:scim:schemas:extension:accountAccess:2.0:Group';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

type AttributeOptions = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

function attribute(name: string, type: AttributeType, options: AttributeOptions = {}): AttributeDefinition {
  const definition: AttributeDefinition = {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description: options.description ?? '',
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
  };
  if (options.canonicalValues) definition.canonicalValues = options.canonicalValues;
  if (options.referenceTypes) definition.referenceTypes = options.referenceTypes;
  if (options.subAttributes) definition.subAttributes = options.subAttributes;
  return definition;
}

/** Builds a multi-valued attribute of the `value`/`display`/`type`/`primary` shape that RFC 7643 §2.4 describes. */
function multiValued(name: string, description: string, typeValues: string[] | undefined, valueType: AttributeType = 'string'): AttributeDefinition {
  const typeOptions: AttributeOptions = { description: 'A label indicating the attribute\'s function.' };
  if (typeValues) typeOptions.canonicalValues = typeValues;
  return attribute(name, 'complex', {
    multiValued: true,
    description,
    subAttributes: [
      attribute('value', valueType, { description: `The value of ${name}.`, caseExact: valueType === 'binary' }),
      attribute('display', 'string', { description: 'A human-readable name, for display only.' }),
      attribute('type', 'string', typeOptions),
      attribute('primary', 'boolean', { description: 'Whether this is the primary value; at most one value has true.' }),
    ],
  });
}

/** `schemas`, `id`, `externalId` and `meta`, which every resource has outside its schemas (RFC 7643 §3 and §3.1). */
export const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  attribute('schemas', 'reference', { multiValued: true, mutability: 'readOnly', returned: 'always', referenceTypes: ['uri'], description: 'The schema URNs the resource uses.' }),
  attribute('id', 'string', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server', description: 'The service provider\'s identifier.' }),
  attribute('externalId', 'string', { caseExact: true, description: 'The provisioning client\'s identifier.' }),
  attribute('meta', 'complex', {
    mutability: 'readOnly',
    description: 'Resource metadata.',
    subAttributes: [
      attribute('resourceType', 'string', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', { mutability: 'readOnly' }),
      attribute('location', 'reference', { mutability: 'readOnly', caseExact: true, referenceTypes: ['uri'] }),
      attribute('version', 'string', { mutability: 'readOnly', caseExact: true }),
    ],
  }),
];

export const USER_SCHEMA: SchemaDefinition = {
  id: USER_SCHEMA_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', { required: true, uniqueness: 'server', description: 'The work email address; unique case-insensitively.' }),
    attribute('name', 'complex', {
      description: 'The components of the user\'s name.',
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((name) => attribute(name, 'string')),
    }),
    attribute('displayName', 'string', { description: 'The name shown to people.' }),
    attribute('nickName', 'string'),
    attribute('profileUrl', 'reference', { referenceTypes: ['external'] }),
    attribute('title', 'string'),
    attribute('userType', 'string'),
    attribute('preferredLanguage', 'string'),
    attribute('locale', 'string'),
    attribute('timezone', 'string'),
    attribute('active', 'boolean', { description: 'Whether the user may sign in.' }),
    attribute('password', 'string', { mutability: 'writeOnly', returned: 'never', description: 'Accepted and discarded: Ably users sign in through SSO.' }),
    multiValued('emails', 'Email addresses; every value must be in the registered domain.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos.', ['photo', 'thumbnail'], 'reference'),
    attribute('addresses', 'complex', {
      multiValued: true,
      description: 'Physical mailing addresses.',
      subAttributes: [
        ...['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'].map((name) => attribute(name, 'string')),
        attribute('type', 'string', { canonicalValues: ['work', 'home', 'other'] }),
        attribute('primary', 'boolean'),
      ],
    }),
    attribute('groups', 'complex', {
      multiValued: true,
      mutability: 'readOnly',
      description: 'The groups the user belongs to; change them through the Group resource.',
      subAttributes: [
        attribute('value', 'string', { mutability: 'readOnly', caseExact: true }),
        attribute('$ref', 'reference', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        attribute('display', 'string', { mutability: 'readOnly' }),
        attribute('type', 'string', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multiValued('entitlements', 'Entitlements.', undefined),
    multiValued('roles', 'Roles as the client labels them; Ably account roles come from group links.', undefined),
    multiValued('x509Certificates', 'DER-encoded X.509 certificates.', undefined, 'binary'),
  ],
};

export const ENTERPRISE_USER_SCHEMA: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((name) => attribute(name, 'string')),
    attribute('manager', 'complex', {
      description: 'The user\'s manager.',
      subAttributes: [
        attribute('value', 'string', { caseExact: true }),
        attribute('$ref', 'reference', { referenceTypes: ['User'] }),
        attribute('displayName', 'string', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

export const GROUP_SCHEMA: SchemaDefinition = {
  id: GROUP_SCHEMA_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', { required: true, uniqueness: 'server', description: 'The group name; unique case-insensitively.' }),
    attribute('members', 'complex', {
      multiValued: true,
      description: 'The member users. Groups cannot be members.',
      subAttributes: [
        attribute('value', 'string', { caseExact: true, mutability: 'immutable' }),
        attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User'] }),
        attribute('type', 'string', { mutability: 'immutable', canonicalValues: ['User'] }),
        attribute('display', 'string', { mutability: 'readOnly' }),
      ],
    }),
  ],
};

/** The Ably account roles a group link may name. Owner is listed so that a request naming it gets a specific error. */
export const LINKABLE_ROLES = ['Developer', 'Billing', 'Admin'] as const;

/** Builds the group extension that links a group to Ably accounts with roles. */
export function roleExtensionSchema(urn: string): SchemaDefinition {
  return {
    id: urn,
    name: 'AccountAccess',
    description: 'Ably accounts the group\'s members are provisioned into, with the roles they inherit there.',
    attributes: [
      attribute('accounts', 'complex', {
        multiValued: true,
        description: 'One entry per linked account.',
        subAttributes: [
          attribute('value', 'string', { caseExact: true, required: true, description: 'The Ably account id.' }),
          attribute('display', 'string', { mutability: 'readOnly', description: 'The account name.' }),
          attribute('roles', 'string', {
            multiValued: true,
            caseExact: true,
            canonicalValues: [...LINKABLE_ROLES],
            description: 'Roles the members inherit in the account. Owner is never granted through a group.',
          }),
        ],
      }),
    ],
  };
}

/** Builds the User and Group resource models for one emulator configuration. */
export function buildResourceModels(roleExtensionUrn: string | undefined): { user: ResourceModel; group: ResourceModel } {
  return {
    user: { name: 'User', endpoint: '/Users', description: 'User Account', core: USER_SCHEMA, extensions: [ENTERPRISE_USER_SCHEMA] },
    group: {
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      core: GROUP_SCHEMA,
      extensions: roleExtensionUrn ? [roleExtensionSchema(roleExtensionUrn)] : [],
    },
  };
}

/** Finds a direct child attribute by name, case-insensitively as RFC 7644 §3.10 requires. */
export function findAttribute(attributes: AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes.find((candidate) => candidate.name.toLowerCase() === lower);
}

/** Lists every schema a resource model uses, core first. */
export function schemasOf(model: ResourceModel): SchemaDefinition[] {
  return [model.core, ...model.extensions];
}

/** Settings that `/ServiceProviderConfig` advertises. */
export interface ProviderSettings {
  maxResults: number;
  documentationUri?: string;
}

/** Renders `/ServiceProviderConfig` (RFC 7643 §5). */
export function serviceProviderConfig(baseUrl: string, settings: ProviderSettings): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: settings.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'httpbasic',
        name: 'HTTP Basic',
        description: 'The SCIM Username and SCIM Password shown in the dashboard.',
        specUri: 'https://www.rfc-editor.org/info/rfc7617',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** Renders one `/ResourceTypes` entry (RFC 7643 §6). */
export function resourceTypeResource(baseUrl: string, model: ResourceModel): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: model.name,
    name: model.name,
    endpoint: model.endpoint,
    description: model.description,
    schema: model.core.id,
    schemaExtensions: model.extensions.map((extension) => ({ schema: extension.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${model.name}` },
  };
}

/** Renders one `/Schemas` entry (RFC 7643 §7). */
export function schemaResource(baseUrl: string, schema: SchemaDefinition): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}
