import { z } from 'zod';

/**
 * The YAML configuration file's schema. Secrets never appear in the file:
 * each `*Env` key names the environment variable (or `*_FILE` variable)
 * that contains the secret.
 */

const envVariableName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name such as OKTA_API_TOKEN');

const durationText = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 30s, 15m, 6h or 30d');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

const oktaSource = z.strictObject({
  kind: z.literal('okta'),
  orgUrl: httpUrl,
  /** The environment variable that contains the Okta API token (SSWS). */
  tokenEnv: envVariableName.default('OKTA_API_TOKEN'),
  /**
   * Whether users in STAGED or PROVISIONED status (created, never activated)
   * are provisioned. By default they are pending and not sent to Ably.
   */
  provisionPendingUsers: z.boolean().default(false),
  pageSize: z.number().int().min(1).max(200).default(200),
  maxRetries: z.number().int().min(0).max(10).default(4),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});

const entraSource = z.strictObject({
  kind: z.literal('entra'),
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  /** The environment variable that contains the client secret. Omit it when a certificate is used. */
  clientSecretEnv: envVariableName.optional(),
  /** The environment variable that contains the path of a PEM certificate with its private key. */
  certificatePathEnv: envVariableName.optional(),
  authorityHost: httpUrl.default('https://login.microsoftonline.com'),
  graphBaseUrl: httpUrl.default('https://graph.microsoft.com/v1.0'),
  /** Must stay true for sovereign or test authorities that do not serve instance discovery. */
  disableInstanceDiscovery: z.boolean().default(false),
  includeGuests: z.boolean().default(false),
  nestedGroups: z.enum(['flatten', 'skip']).default('skip'),
  pageSize: z.number().int().min(1).max(999).default(999),
  maxConcurrentRequests: z.number().int().min(1).max(20).default(4),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /**
   * Groups to read, by display name or id. Empty means the groups the mapping
   * names by name or id, or every group when a mapping entry uses a pattern.
   */
  groups: z.array(z.string().min(1)).default([]),
  /** A Graph `$filter` applied to the user list. */
  userFilter: z.string().optional(),
});

const fileSource = z.strictObject({
  kind: z.literal('file'),
  /** A JSON file with `users` and `groups`, in the shape of a directory snapshot. */
  path: z.string().min(1),
});

const roleName = z.enum(['Developer', 'Billing', 'Admin', 'Owner']);

const accountGrant = z.strictObject({
  account: z.string().min(1),
  roles: z.array(roleName).min(1),
});

const groupSelector = z
  .strictObject({
    name: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    /** A regular expression matched against the whole group name. */
    pattern: z.string().min(1).optional(),
  })
  .refine((selector) => [selector.name, selector.id, selector.pattern].filter(Boolean).length === 1, {
    message: 'set exactly one of name, id or pattern',
  });

export const configSchema = z.strictObject({
  source: z.discriminatedUnion('kind', [oktaSource, entraSource, fileSource]),

  ably: z.strictObject({
    /** The Service Provider Configuration Endpoint without `/ServiceProviderConfig`. */
    scimBaseUrl: httpUrl,
    usernameEnv: envVariableName.default('ABLY_SCIM_USERNAME'),
    passwordEnv: envVariableName.default('ABLY_SCIM_PASSWORD'),
    roleExtensionUrn: z.string().min(1).default('urn:ably:scim:schemas:extension:accountAccess:2.0:Group'),
    // NOTE: Ably publishes no SCIM rate limit; 10 per second is a cautious guess. The client also backs off on 429.
    requestsPerSecond: z.number().positive().default(10),
    maxRetries: z.number().int().min(0).max(10).default(5),
    requestTimeoutMs: z.number().int().positive().default(30_000),
  }),

  organization: z.strictObject({
    /** The one email domain registered with Ably. */
    domain: z
      .string()
      .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'must be a domain name such as example.com'),
    allowSubdomains: z.boolean().default(false),
    primaryAccount: z.string().min(1),
    accounts: z
      .array(z.strictObject({ id: z.string().min(1), name: z.string().min(1) }))
      .min(1),
  }),

  mapping: z.strictObject({
    groups: z
      .array(
        z.strictObject({
          idpGroup: groupSelector,
          accounts: z.array(accountGrant).min(1),
        }),
      )
      .min(1),
    /** Users in scope even outside every mapped group, by login, email or IdP id. */
    includeUsers: z.array(z.string().min(1)).default([]),
    /** Users never in scope, by login, email or IdP id. Wins over every other rule. */
    excludeUsers: z.array(z.string().min(1)).default([]),
  }),

  policy: z
    .strictObject({
      deprovision: z
        .strictObject({
          mode: z.enum(['deactivate', 'delete', 'none']).default('deactivate'),
          /** With mode `delete`: how long a user stays deactivated before it is deleted. */
          gracePeriod: durationText.default('30d'),
        })
        .prefault({}),
      /** Whether a create that meets an existing user with the same userName takes that user over. */
      adoptExisting: z.boolean().default(true),
      holds: z
        .strictObject({
          maxRemovals: z.number().int().min(0).default(25),
          maxRemovalPercent: z.number().min(0).max(100).default(10),
        })
        .prefault({}),
      /** The form of emails in reports: in full, with the local part masked, or not at all. */
      reportEmails: z.enum(['full', 'masked', 'hidden']).default('masked'),
    })
    .prefault({}),

  schedule: z
    .strictObject({
      fullSyncEvery: durationText.default('15m'),
      incrementalSyncEvery: durationText.optional(),
    })
    .prefault({}),

  redis: z
    .strictObject({
      /** Overridden by the REDIS_URL environment variable. */
      url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
      prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, - and _').default('ably-idp-sync'),
    })
    .prefault({}),

  jobs: z
    .strictObject({
      operationConcurrency: z.number().int().min(1).max(100).default(8),
      keepReports: z.number().int().min(1).max(1000).default(20),
      reportDirectory: z.string().optional(),
    })
    .prefault({}),

  server: z
    .strictObject({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The environment variable with the token that guards the dashboard and approval endpoints. */
      adminTokenEnv: envVariableName.default('ADMIN_TOKEN'),
    })
    .prefault({}),

  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = Config['source'];
export type OktaSourceConfig = z.infer<typeof oktaSource>;
export type EntraSourceConfig = z.infer<typeof entraSource>;
export type MappingConfig = Config['mapping'];
export type OrganizationConfig = Config['organization'];
export type PolicyConfig = Config['policy'];
