import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

export const TEST_CREDENTIALS = { username: 'scim-test', password: 'emulator-test-password' };
export const ROLE_URN = 'urn:ably:scim:schemas:extension:accountAccess:2.0:Group';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Starts an in-memory emulator for `example.com` with three accounts. */
export function startTestEmulator(overrides: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  return startEmulator({
    domain: 'example.com',
    accounts: [
      { id: 'acc-prod', name: 'Production' },
      { id: 'acc-stage', name: 'Staging' },
      { id: 'acc-dev', name: 'Development' },
    ],
    primaryAccount: 'acc-prod',
    credentials: TEST_CREDENTIALS,
    ...overrides,
  });
}

/** A response with its parsed JSON body. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Sends one SCIM request with the test credentials; `path` is relative to the SCIM base URL. */
export async function scim(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(`${emulator.scimBaseUrl}${path}`, {
    method,
    headers: {
      Authorization: basicAuth(TEST_CREDENTIALS.username, TEST_CREDENTIALS.password),
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
      ...headers,
    },
    body: serializeBody(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Builds an HTTP Basic `Authorization` value. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Creates a user and returns its id; a name without `@` gets the example.com domain. */
export async function createUser(emulator: RunningEmulator, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const address = name.includes('@') ? name : `${name}@example.com`;
  const localPart = address.slice(0, address.indexOf('@'));
  const response = await scim(emulator, 'POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: address,
    name: { givenName: localPart, familyName: 'Test' },
    emails: [{ value: address, type: 'work', primary: true }],
    active: true,
    ...extra,
  });
  if (response.status !== 201) {
    throw new Error(`creating user ${address} failed with ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body.id as string;
}

/** Creates a group and returns its id. */
export async function createGroup(emulator: RunningEmulator, displayName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await scim(emulator, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, ...extra });
  if (response.status !== 201) {
    throw new Error(`creating group ${displayName} failed with ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body.id as string;
}

/** Builds a PatchOp body. */
export function patchBody(...operations: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

/** Returns the member ids of a group as GET returns them. */
export async function memberIds(emulator: RunningEmulator, groupId: string): Promise<string[]> {
  const response = await scim(emulator, 'GET', `/Groups/${groupId}`);
  return ((response.body.members ?? []) as { value: string }[]).map((member) => member.value).sort();
}

function serializeBody(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
