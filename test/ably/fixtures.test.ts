import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyFailedResponse, parseRetryAfter } from '../../src/ably/response-errors.js';
import { parseGroup, parseListResponse, parseUser } from '../../src/ably/wire.js';
import { InvalidObjectError, NotFoundError, TransientError } from '../../src/errors/index.js';
import { FakeScimServer, sendJson } from './support/fake-scim-server.js';
import { createTestClient } from './support/client.js';
import { fixturePath } from '../support/fixtures.js';


function loadJson(relativePath: string): unknown {
  return JSON.parse(readFileSync(fixturePath(relativePath), 'utf8')) as unknown;
}

function rfcSample(name: string): unknown {
  return loadJson(`scim2-models/samples/${name}.json`);
}

interface EntraExample {
  name: string;
  response: { status: number; body?: unknown };
}

function entraResponse(name: string): EntraExample['response'] {
  const document = loadJson('entra-docs/extracted/entra-scim-requests-responses.json') as { examples: EntraExample[] };
  const example = document.examples.find((candidate) => candidate.name === name);
  if (!example) {
    throw new Error(`The Entra fixture has no example named "${name}".`);
  }
  return example.response;
}

const origin = { method: 'GET', path: '/Users' };
const urn = 'urn:ably:scim:schemas:extension:accountAccess:2.0:Group';

describe('wire mapping of published examples', () => {
  it('reads the RFC 7643 full user', () => {
    const user = parseUser(rfcSample('rfc7643-8.2-user-full'), origin);

    expect(user).toMatchObject({
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '701984',
      userName: 'bjensen@example.com',
      givenName: 'Barbara',
      familyName: 'Jensen',
      displayName: 'Babs Jensen',
      email: 'bjensen@example.com',
      active: true,
    });
    expect(user.version).toBe('W\\/"a330bc54f0671c9"');
  });

  it('reads the RFC 7643 minimal user', () => {
    const user = parseUser(rfcSample('rfc7643-8.1-user-minimal'), origin);

    expect(user.userName).toBe('bjensen@example.com');
    expect(user.active).toBe(true);
    expect(user.email).toBeUndefined();
  });

  it('reads the RFC 7643 group', () => {
    const group = parseGroup(rfcSample('rfc7643-8.4-group'), urn, origin);

    expect(group.displayName).toBe('Tour Guides');
    expect(group.memberIds).toEqual(['2819c223-7f76-453a-919d-413861904646', '902c246b-6245-4190-8e05-00816be7344a']);
    expect(group.accountAccess).toEqual([]);
  });

  it('reads the Entra create user response', () => {
    const user = parseUser(entraResponse('Create User').body, origin);

    expect(user).toMatchObject({
      id: '48af03ac28ad4fb88478',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      givenName: 'givenName',
      familyName: 'familyName',
      active: true,
    });
    expect(user.email).toMatch(/@testuser\.com$/);
  });

  it('reads the Entra list responses', () => {
    const one = parseListResponse(entraResponse('Get User by query').body, origin);
    const none = parseListResponse(entraResponse('Get User by query - zero results').body, origin);

    expect(one.totalResults).toBe(1);
    expect(one.Resources).toHaveLength(1);
    expect(none.totalResults).toBe(0);
    expect(none.Resources).toEqual([]);
  });
});

describe('error mapping of published examples', () => {
  it('maps the RFC 7644 bad request', () => {
    const error = classifyFailedResponse({ method: 'PATCH', path: '/Users/1', status: 400, body: rfcSample('rfc7644-3.12-error-bad_request'), retryAfterMs: undefined });

    expect(error).toBeInstanceOf(InvalidObjectError);
    expect((error as InvalidObjectError).scimType).toBe('mutability');
    expect(error.message).toContain("Attribute 'id' is readOnly");
  });

  it('maps the RFC 7644 not found', () => {
    const error = classifyFailedResponse({ method: 'GET', path: '/Users/1', status: 404, body: rfcSample('rfc7644-3.12-error-not_found'), retryAfterMs: undefined });

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('maps the RFC 7644 payload too large', () => {
    const error = classifyFailedResponse({ method: 'POST', path: '/Users', status: 413, body: rfcSample('rfc7644-3.7.4-error-payload_too_large'), retryAfterMs: undefined });

    expect(error).toBeInstanceOf(InvalidObjectError);
    expect(error.message).toContain('maxPayloadSize');
  });

  it('maps the Entra not found', () => {
    const response = entraResponse('Get User (not found)');
    const error = classifyFailedResponse({ method: 'GET', path: '/Users/x', status: response.status, body: response.body, retryAfterMs: undefined });

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('keeps Retry-After on a transient error', () => {
    const error = classifyFailedResponse({ method: 'GET', path: '/Users', status: 503, body: undefined, retryAfterMs: 4000 });

    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).retryAfterMs).toBe(4000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it.each([
    { header: null, expected: undefined },
    { header: '0', expected: 0 },
    { header: ' 120 ', expected: 120_000 },
    { header: 'soon', expected: undefined },
    { header: '-5', expected: undefined },
    { header: 'Thu, 01 Jan 2026 12:00:30 GMT', expected: 30_000 },
    { header: 'Thu, 01 Jan 2026 11:00:00 GMT', expected: 0 },
  ])('reads $header', ({ header, expected }) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});

describe('client against published responses', () => {
  let fake: FakeScimServer | undefined;

  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('discovers the RFC 7643 configuration', async () => {
    fake = await FakeScimServer.start();
    fake.interceptors.push((request, response) => {
      if (request.path.endsWith('/ServiceProviderConfig')) {
        sendJson(response, 200, rfcSample('rfc7643-8.5-service_provider_configuration'));
        return true;
      }
      if (request.path.endsWith('/ResourceTypes')) {
        sendJson(response, 200, rfcSample('rfc7644-4-list_response-resource_types'));
        return true;
      }
      return false;
    });
    const { client } = createTestClient(fake.baseUrl, { pageSize: 500 });

    const capabilities = await client.discover();

    expect(capabilities).toMatchObject({ patch: true, filter: true, etag: true, bulk: true, maxResults: 200 });
  });

  it('confirms the memberless Entra group', async () => {
    fake = await FakeScimServer.start();
    const group = entraResponse('Get Group').body as { id: string };
    fake.interceptors.push((request, response) => {
      if (!request.path.endsWith(`/Groups/${group.id}`)) {
        return false;
      }
      const wantsMembers = request.query.get('attributes') === 'members';
      sendJson(response, 200, wantsMembers ? { id: group.id, members: [{ value: 'u-1' }] } : group);
      return true;
    });
    const { client } = createTestClient(fake.baseUrl);

    const read = await client.getGroup(group.id);

    expect(read.externalId).toBe('60f1bb27-2e1e-402d-bcc4-ec999564a194');
    expect(read.memberIds).toEqual(['u-1']);
  });
});
