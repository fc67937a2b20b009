import { describe, expect, it } from 'vitest';
import type { Operation } from '../../src/domain/operations.js';
import { computePlanId } from '../../src/reconcile/index.js';
import { canonicalJson } from '../../src/reconcile/plan-id.js';

const provision: Operation = {
  kind: 'provision',
  user: { externalId: 'u1', userName: 'u1@example.com', active: true },
  reason: { rule: 'in-mapped-group', detail: 'Member of mapped IdP group Engineering.' },
};

describe('computePlanId', () => {
  it('has a fixed form', () => {
    expect(computePlanId([provision])).toMatch(/^plan-[0-9a-f]{24}$/);
  });

  it('ignores reason wording', () => {
    const reworded: Operation = { ...provision, reason: { rule: 'included-user', detail: 'Other words.' } };
    expect(computePlanId([reworded])).toBe(computePlanId([provision]));
  });

  it('ignores key order', () => {
    const reordered: Operation = { reason: provision.reason, user: { active: true, userName: 'u1@example.com', externalId: 'u1' }, kind: 'provision' };
    expect(computePlanId([reordered])).toBe(computePlanId([provision]));
  });

  it('changes with any effect', () => {
    const inactive: Operation = { ...provision, user: { externalId: 'u1', userName: 'u1@example.com', active: false } };
    expect(computePlanId([inactive])).not.toBe(computePlanId([provision]));
    expect(computePlanId([])).not.toBe(computePlanId([provision]));
  });
});

describe('canonicalJson', () => {
  it('sorts keys and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }], e: null })).toBe('{"a":[{"c":"x"}],"b":1,"e":null}');
  });
});
