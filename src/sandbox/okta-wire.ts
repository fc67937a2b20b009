import { randomUUID } from 'node:crypto';

/**
 * Builders for the JSON bodies the local Okta server returns, shaped like the
 * Okta management API's users, groups, System Log events and error replies
 * (field names and nesting as in Okta's published OpenAPI examples).
 */

/** A user as the local Okta server stores it. */
export interface OktaUserRecord {
  id: string;
  status: string;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  profile: { login: string; email: string; firstName: string; lastName: string; displayName?: string };
}

/** A group as the local Okta server stores it. */
export interface OktaGroupRecord {
  id: string;
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  profile: { name: string; description: string };
}

/** One System Log target: the user or group an event acted on. */
export interface OktaLogTarget {
  id: string;
  type: 'User' | 'UserGroup';
  alternateId: string;
  displayName: string;
}

/** A System Log event as stored, before it is shaped for the wire. */
export interface OktaLogRecord {
  uuid: string;
  /** Position in the log, for the `after` paging cursor. */
  sequence: number;
  published: string;
  eventType: string;
  displayMessage: string;
  targets: OktaLogTarget[];
}

/** The user type id every local user carries; real orgs have one per user type. */
const DEFAULT_USER_TYPE_ID = 'oty0sandbox000000000';

/** The actor of every local System Log event: the owner of the API token. */
const API_ACTOR = {
  id: '00u0sandboxadmin0001',
  type: 'User',
  alternateId: 'admin@example.com',
  displayName: 'Sandbox Admin',
  detailEntry: null,
};

/** Shapes a stored user like an item of `GET /api/v1/users`. */
export function userBody(user: OktaUserRecord, baseUrl: string): Record<string, unknown> {
  return {
    id: user.id,
    status: user.status,
    created: user.created,
    activated: user.activated,
    statusChanged: user.statusChanged,
    lastLogin: null,
    lastUpdated: user.lastUpdated,
    passwordChanged: user.passwordChanged,
    type: { id: DEFAULT_USER_TYPE_ID },
    profile: { mobilePhone: null, secondEmail: null, ...user.profile },
    credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    _links: { self: { href: `${baseUrl}/api/v1/users/${user.id}` } },
  };
}

/** Shapes a stored group like an item of `GET /api/v1/groups`. */
export function groupBody(group: OktaGroupRecord, baseUrl: string): Record<string, unknown> {
  return {
    id: group.id,
    created: group.created,
    lastUpdated: group.lastUpdated,
    lastMembershipUpdated: group.lastMembershipUpdated,
    objectClass: ['okta:user_group'],
    type: group.type,
    profile: group.profile,
    _links: {
      logo: [
        { name: 'medium', href: `${baseUrl}/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${baseUrl}/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${baseUrl}/api/v1/groups/${group.id}/users` },
      apps: { href: `${baseUrl}/api/v1/groups/${group.id}/apps` },
    },
  };
}

/** Shapes a stored event like an item of `GET /api/v1/logs`. */
export function logEventBody(event: OktaLogRecord): Record<string, unknown> {
  const transactionId = event.uuid.replaceAll('-', '').slice(0, 27);
  return {
    actor: API_ACTOR,
    client: {
      userAgent: { rawUserAgent: 'ably-idp-sync sandbox', os: 'Unknown', browser: 'UNKNOWN' },
      zone: 'null',
      device: 'Unknown',
      id: null,
      ipAddress: '127.0.0.1',
      geographicalContext: null,
    },
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: 'trs0sandbox',
    },
    displayMessage: event.displayMessage,
    eventType: event.eventType,
    outcome: { result: 'SUCCESS', reason: null },
    published: event.published,
    securityContext: { asNumber: null, asOrg: null, isp: null, domain: null, isProxy: null },
    severity: 'INFO',
    debugContext: { debugData: { requestId: transactionId } },
    legacyEventType: null,
    transaction: { type: 'WEB', id: transactionId, detail: {} },
    uuid: event.uuid,
    version: '0',
    request: { ipChain: [{ ip: '127.0.0.1', geographicalContext: null, version: 'V4', source: null }] },
    target: event.targets.map((target) => ({ ...target, detailEntry: null })),
  };
}

/** Okta's error body: `errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`. */
export function errorBody(errorCode: string, errorSummary: string, causes: string[] = []): Record<string, unknown> {
  return {
    errorCode,
    errorSummary,
    errorLink: errorCode,
    errorId: `oae${randomUUID().replaceAll('-', '').slice(0, 22)}`,
    errorCauses: causes.map((cause) => ({ errorSummary: cause })),
  };
}

/** Builds the System Log target that names `user`. */
export function userTarget(user: OktaUserRecord): OktaLogTarget {
  return {
    id: user.id,
    type: 'User',
    alternateId: user.profile.login,
    displayName: `${user.profile.firstName} ${user.profile.lastName}`,
  };
}

/** Builds the System Log target that names `group`. */
export function groupTarget(group: OktaGroupRecord): OktaLogTarget {
  return { id: group.id, type: 'UserGroup', alternateId: 'unknown', displayName: group.profile.name };
}
