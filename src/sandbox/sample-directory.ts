/**
 * A deterministic sample directory for the demo, the tests and the benchmarks.
 *
 * It is IdP-neutral: the local Okta server serves it as Okta users and groups,
 * the local Graph server as Entra objects. It contains every case the daemon must
 * handle: each Okta status, foreign-domain users, mixed-case emails, users in
 * several mapped groups and groups outside the mapping.
 */

/** Okta's user statuses, which the sample uses as its lifecycle vocabulary. */
export type SampleStatus =
  | 'ACTIVE'
  | 'PASSWORD_EXPIRED'
  | 'LOCKED_OUT'
  | 'RECOVERY'
  | 'SUSPENDED'
  | 'DEPROVISIONED'
  | 'STAGED'
  | 'PROVISIONED';

export interface SampleUser {
  /** An Okta-style id such as `00u1a2b3c4d5e6f7g8h9`. */
  id: string;
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  status: SampleStatus;
  /** ISO 8601 time of the last change; the local servers bump it on every edit. */
  lastUpdated: string;
}

export interface SampleGroup {
  /** An Okta-style id such as `00g1a2b3c4d5e6f7g8h9`. */
  id: string;
  name: string;
  description: string;
  memberIds: string[];
  lastUpdated: string;
}

export interface SampleDirectory {
  users: SampleUser[];
  groups: SampleGroup[];
}

export interface SampleDirectoryOptions {
  userCount?: number;
  groupCount?: number;
  /** The organization's registered domain; a few users get another one. */
  domain?: string;
  seed?: number;
}

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis', 'Radia', 'Niklaus', 'Leslie', 'Tim', 'Shafi', 'John'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton', 'Ritchie', 'Perlman', 'Wirth', 'Lamport', 'Berners-Lee', 'Goldwasser', 'McCarthy'];

/** The team names of the sample's groups. The first eight are mapped in `config/sample.yaml`. */
export const SAMPLE_GROUP_NAMES = [
  'Engineering', 'Platform', 'SRE', 'Data', 'Finance', 'Support', 'Security', 'Mobile',
  'Sales', 'Marketing', 'Legal', 'People', 'Design', 'Product', 'QA', 'Research',
  'Partners', 'Operations', 'Facilities', 'Executives', 'Interns', 'Contractors',
];

const FOREIGN_DOMAINS = ['contractor.example.net', 'gmail.example.org', 'sub.example.com'];

const BASE_TIME_MS = Date.UTC(2026, 0, 15, 9, 0, 0);

/** Builds the sample directory. The same options always give the same directory. */
export function createSampleDirectory(options: SampleDirectoryOptions = {}): SampleDirectory {
  const userCount = options.userCount ?? 520;
  const groupCount = Math.min(options.groupCount ?? 22, SAMPLE_GROUP_NAMES.length);
  const domain = options.domain ?? 'example.com';
  const random = mulberry32(options.seed ?? 7);

  const users: SampleUser[] = [];
  for (let index = 0; index < userCount; index += 1) {
    users.push(sampleUser(index, domain, random));
  }

  const groups: SampleGroup[] = [];
  for (let index = 0; index < groupCount; index += 1) {
    const name = SAMPLE_GROUP_NAMES[index]!;
    groups.push({
      id: oktaStyleId('00g', index),
      name,
      description: `${name} team`,
      memberIds: [],
      lastUpdated: new Date(BASE_TIME_MS).toISOString(),
    });
  }

  // Every user joins one home group; about a quarter join a second one, so
  // some users hold roles from several mapped groups.
  users.forEach((user, index) => {
    groups[index % groupCount]!.memberIds.push(user.id);
    if (random() < 0.25) {
      const second = groups[(index + 1 + Math.floor(random() * (groupCount - 1))) % groupCount]!;
      if (!second.memberIds.includes(user.id)) {
        second.memberIds.push(user.id);
      }
    }
  });

  return { users, groups };
}

function sampleUser(index: number, domain: string, random: () => number): SampleUser {
  const firstName = FIRST_NAMES[index % FIRST_NAMES.length]!;
  const lastName = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length]!;
  const localPart = `${firstName}.${lastName}${index}`.toLowerCase();

  // One user in 40 has a foreign domain, and one in 7 a mixed-case email.
  const userDomain = index % 40 === 39 ? FOREIGN_DOMAINS[index % FOREIGN_DOMAINS.length]! : domain;
  const email = index % 7 === 3 ? `${firstName}.${lastName.toUpperCase()}${index}@${userDomain.toUpperCase()}` : `${localPart}@${userDomain}`;

  return {
    id: oktaStyleId('00u', index),
    login: email,
    email,
    firstName,
    lastName,
    status: statusFor(index, random),
    lastUpdated: new Date(BASE_TIME_MS + index * 60_000).toISOString(),
  };
}

function statusFor(index: number, random: () => number): SampleStatus {
  // The first eight users cover every status, so even a tiny sample has them all.
  const every: SampleStatus[] = ['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'SUSPENDED', 'DEPROVISIONED', 'STAGED', 'PROVISIONED'];
  if (index < every.length) {
    return every[index]!;
  }
  const roll = random();
  if (roll < 0.86) return 'ACTIVE';
  if (roll < 0.89) return 'PASSWORD_EXPIRED';
  if (roll < 0.91) return 'LOCKED_OUT';
  if (roll < 0.92) return 'RECOVERY';
  if (roll < 0.95) return 'SUSPENDED';
  if (roll < 0.97) return 'DEPROVISIONED';
  if (roll < 0.985) return 'STAGED';
  return 'PROVISIONED';
}

/** Makes a 20-character Okta-style id: the prefix, then base-36 digits of the index padded with a fixed tail. */
export function oktaStyleId(prefix: '00u' | '00g', index: number): string {
  const body = index.toString(36).padStart(6, '0');
  return `${prefix}${body}abcdEFGH1a2b`.slice(0, 20);
}

/** A small seeded pseudo-random generator, so the sample is the same on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
