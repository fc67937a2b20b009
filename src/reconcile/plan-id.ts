import { createHash } from 'node:crypto';
import type { Operation } from '../domain/operations.js';
import { compareText } from './account-access.js';

/**
 * Computes a plan's id: a SHA-256 of the sorted operations without their
 * reasons, as canonical JSON. The same changes give the same id on every run
 * and machine, so an operator's approval of an id matches the plan they saw.
 * Reason wording and notices do not change the id, because they change nothing in Ably.
 */
export function computePlanId(sortedOperations: readonly Operation[]): string {
  const payload = sortedOperations.map(({ reason: _reason, ...effect }) => effect);
  const digest = createHash('sha256').update(canonicalJson(payload)).digest('hex');
  return `plan-${digest.slice(0, 24)}`;
}

/** Serializes a JSON value with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([left], [right]) => compareText(left, right));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
