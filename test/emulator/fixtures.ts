import { readdirSync, readFileSync } from 'node:fs';
import { fixturesDirectory } from '../support/fixtures.js';

/** The shared fixtures folder, with a trailing slash. */
export const FIXTURES_DIRECTORY = `${fixturesDirectory()}/`;

/** Reads a JSON fixture by its path under the shared fixtures folder. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(`${FIXTURES_DIRECTORY}${relativePath}`, 'utf8')) as T;
}

/** Lists the RFC 7643/7644 sample files of scim2-models. */
export function rfcSampleNames(): string[] {
  return readdirSync(`${FIXTURES_DIRECTORY}scim2-models/samples`).filter((name) => name.endsWith('.json')).sort();
}

const EMAIL = /^([^@\s]+)@[^@\s]+$/;

/**
 * Moves every email address in a JSON value to `domain`, so that vendor
 * examples pass the registered-domain rule; other strings are kept.
 */
export function rewriteEmailDomains<T>(value: T, domain: string): T {
  if (typeof value === 'string') {
    const match = EMAIL.exec(value);
    return (match ? `${match[1]}@${domain}` : value) as T;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown) => rewriteEmailDomains(item, domain)) as T;
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewriteEmailDomains(item, domain)])) as T;
  }
  return value;
}
