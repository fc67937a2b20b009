import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { loadFixture } from './fixtures.js';
import { createUser, scim, startTestEmulator } from './helpers.js';

/**
 * Replays, in page order, every request of Okta's SCIM 2.0 protocol
 * reference against an emulator whose registered domain is okta.local, the
 * domain of Okta's examples. Okta's example ids are swapped for the ids
 * the emulator assigned.
 */

interface Block {
  section: string;
  start_line: string;
  headers: [string, string][];
  body: unknown;
}

type Json = Record<string, unknown>;

const blocks = loadFixture<{ blocks: Block[] }>('okta-developer-docs/extracted/okta-scim20-protocol-examples.json').blocks;

const OKTA_USER_ID = '23a35c27-23d3-4c03-b4c5-6443c09e7173';
const OKTA_OTHER_USER_ID = '89bb1940-b905-4575-9e7f-6f887cfb368e';
const OKTA_GROUP_ID = 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b';

/** What each request must return here, and what else to check, by its position among the page's requests. */
const expectations: { status: number; check?: (body: Json) => void }[] = [
  { status: 200, check: (body) => expect(body.totalResults).toBe(0) },
  { status: 201, check: (body) => expect(body.externalId).toBe('00ujl29u0le5T6Aj10h7') },
  { status: 409, check: (body) => expect(body.scimType).toBe('uniqueness') },
  { status: 200, check: (body) => expect(body.totalResults).toBe(2) },
  { status: 200, check: (body) => expect(body.userName).toBe('test.user@okta.local') },
  { status: 200 },
  { status: 200, check: (body) => expect(body.name).toEqual({ givenName: 'Another', middleName: 'Excited', familyName: 'User' }) },
  { status: 200, check: (body) => expect(body.active).toBe(false) },
  { status: 201, check: (body) => expect(body.members).toEqual([]) },
  { status: 200, check: (body) => expect(body.totalResults).toBe(1) },
  { status: 200, check: (body) => expect(body.totalResults).toBe(1) },
  { status: 200, check: (body) => expect(body.displayName).toBe('Test SCIMv2') },
  // A no-path replace that repeats the group's own id is accepted.
  { status: 200, check: (body) => expect(body.displayName).toBe('Test SCIMv2') },
  { status: 200, check: (body) => expect((body.members as Json[]).length).toBe(1) },
  { status: 200, check: (body) => expect((body.members as Json[]).length).toBe(1) },
  { status: 200, check: (body) => expect((body.members as Json[]).length).toBe(2) },
  { status: 204 },
];

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ domain: 'okta.local' });
});

afterAll(async () => {
  await emulator.close();
});

describe('Okta SCIM 2.0 reference requests', () => {
  it('covers every request of the page', () => {
    expect(blocks.filter((block) => !block.start_line.trim().startsWith('HTTP/'))).toHaveLength(expectations.length);
  });

  it('replays the requests in order', async () => {
    const ids = new Map<string, string>([[OKTA_OTHER_USER_ID, await createUser(emulator, 'other.user@okta.local')]]);
    const swapIds = (text: string) => [...ids].reduce((result, [oktaId, ourId]) => result.split(oktaId).join(ourId), text);

    let requestIndex = 0;
    for (const [index, block] of blocks.entries()) {
      const line = block.start_line.trim();
      if (line.startsWith('HTTP/')) continue;
      const expectation = expectations[requestIndex] as (typeof expectations)[number];
      requestIndex += 1;

      const [method, target] = line.split(' ') as [string, string];
      const path = swapIds(target.replace('/scim/v2', ''));
      const body = block.body === null ? undefined : JSON.parse(swapIds(JSON.stringify(block.body)));
      const response = await scim(emulator, method, path, body);
      const label = `${block.section}: ${method} ${path}`;

      expect(response.status, label).toBe(expectation.status);
      expectation.check?.(response.body);
      // Our status is one of those the page shows for this request.
      const documented = documentedStatuses(index);
      if (documented.length > 0) expect(documented, label).toContain(response.status);

      if (method === 'POST' && path === '/Users' && response.status === 201) ids.set(OKTA_USER_ID, response.body.id as string);
      if (method === 'POST' && path === '/Groups' && response.status === 201) ids.set(OKTA_GROUP_ID, response.body.id as string);
    }
  });
});

function documentedStatuses(requestIndex: number): number[] {
  const statuses: number[] = [];
  for (const block of blocks.slice(requestIndex + 1)) {
    const line = block.start_line.trim();
    if (!line.startsWith('HTTP/')) break;
    statuses.push(Number(line.split(' ')[1]));
  }
  return statuses;
}
