import { describe, expect, it } from 'vitest';
import { emailDomain, isEmailInRegisteredDomain, matchesGroupSelector, UserReferenceSet } from '../../src/reconcile/index.js';
import { directoryGroup, directoryUser } from './builders.js';

describe('matchesGroupSelector', () => {
  const group = directoryGroup('00g-42', 'Platform-Eng', []);

  it.each([
    { selector: { name: 'Platform-Eng' }, expected: true },
    { selector: { name: 'platform-eng' }, expected: true },
    { selector: { name: 'Platform' }, expected: false },
    { selector: { name: 'Platform-Eng ' }, expected: false },
    { selector: { pattern: 'Platform-.*' }, expected: true },
    { selector: { pattern: 'Platform' }, expected: false },
    { selector: { pattern: 'Eng' }, expected: false },
    { selector: { pattern: 'Platform-Eng|SRE' }, expected: true },
    { selector: { pattern: 'platform-eng' }, expected: false },
    { selector: { id: '00g-42' }, expected: true },
    { selector: { id: '00G-42' }, expected: false },
    { selector: { id: 'Platform-Eng' }, expected: false },
  ])('$selector → $expected', ({ selector, expected }) => {
    expect(matchesGroupSelector(selector, group)).toBe(expected);
  });
});

describe('UserReferenceSet', () => {
  const user = directoryUser('00u-7', { login: 'Ada.Lovelace@Example.com', email: 'ada@example.com' });

  it.each([
    { reference: 'ada.lovelace@example.com', expected: true },
    { reference: 'ADA@EXAMPLE.COM', expected: true },
    { reference: '00u-7', expected: true },
    { reference: '00U-7', expected: false },
    { reference: 'ada', expected: false },
    { reference: 'example.com', expected: false },
  ])('$reference → $expected', ({ reference, expected }) => {
    expect(new UserReferenceSet([reference]).has(user)).toBe(expected);
  });

  it('matches a user without email by login only', () => {
    const withoutEmail = directoryUser('00u-8', { login: 'grace', email: undefined });
    expect(new UserReferenceSet(['GRACE']).has(withoutEmail)).toBe(true);
    expect(new UserReferenceSet(['grace@example.com']).has(withoutEmail)).toBe(false);
  });
});

describe('registered domain rule', () => {
  it.each([
    { email: 'a@example.com', allowSubdomains: false, expected: true },
    { email: 'a@EXAMPLE.COM', allowSubdomains: false, expected: true },
    { email: 'a@sub.example.com', allowSubdomains: false, expected: false },
    { email: 'a@sub.example.com', allowSubdomains: true, expected: true },
    { email: 'a@notexample.com', allowSubdomains: true, expected: false },
    { email: 'a@example.com.evil.net', allowSubdomains: true, expected: false },
    { email: 'a@example.co', allowSubdomains: false, expected: false },
    { email: 'example.com', allowSubdomains: false, expected: false },
    { email: 'a@', allowSubdomains: false, expected: false },
  ])('$email with allowSubdomains $allowSubdomains → $expected', ({ email, allowSubdomains, expected }) => {
    expect(isEmailInRegisteredDomain(email, { domain: 'Example.com', allowSubdomains })).toBe(expected);
  });

  it('emailDomain lowercases the domain', () => {
    expect(emailDomain('Ada@Sub.Example.COM')).toBe('sub.example.com');
    expect(emailDomain('no-at-sign')).toBeUndefined();
  });
});
