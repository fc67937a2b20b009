import { describe, expect, it } from 'vitest';
import { displayEmail, HIDDEN_EMAIL, redactEmails } from '../../src/reports/index.js';

describe('displayEmail', () => {
  it.each([
    { email: 'ada@example.com', mode: 'full' as const, expected: 'ada@example.com' },
    { email: 'ada@example.com', mode: 'masked' as const, expected: 'a***@example.com' },
    { email: 'Ada.Lovelace@Sub.Example.com', mode: 'masked' as const, expected: 'A***@Sub.Example.com' },
    { email: 'a@example.com', mode: 'masked' as const, expected: 'a***@example.com' },
    { email: 'not-an-email', mode: 'masked' as const, expected: '***' },
    { email: 'ada@example.com', mode: 'hidden' as const, expected: HIDDEN_EMAIL },
  ])('$email as $mode → $expected', ({ email, mode, expected }) => {
    expect(displayEmail(email, mode)).toBe(expected);
  });
});

describe('redactEmails', () => {
  const text = 'Organization user grace.hopper@example.com has no externalId; see ada@contractor.example.net.';

  it('masks every email in text', () => {
    expect(redactEmails(text, 'masked')).toBe('Organization user g***@example.com has no externalId; see a***@contractor.example.net.');
  });

  it('hides every email in text', () => {
    expect(redactEmails(text, 'hidden')).toBe(`Organization user ${HIDDEN_EMAIL} has no externalId; see ${HIDDEN_EMAIL}.`);
  });

  it('leaves text alone in full mode', () => {
    expect(redactEmails(text, 'full')).toBe(text);
  });

  it('leaves text without emails alone', () => {
    expect(redactEmails('The email domain contractor.net is not example.com.', 'hidden')).toBe('The email domain contractor.net is not example.com.');
  });
});
