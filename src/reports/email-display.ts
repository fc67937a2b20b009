import type { EmailDisplay } from './types.js';

/** Matches an email address inside free text, such as a reason or notice detail. */
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/** The placeholder that replaces an email when reports hide emails. */
export const HIDDEN_EMAIL = '[email hidden]';

/**
 * Formats one email for a report: `full` as is, `masked` with the local part
 * cut to its first character (`a***@example.com`), `hidden` as a placeholder.
 * The domain stays visible when masked, because the registered-domain rule
 * is what an operator checks most often.
 */
export function displayEmail(email: string, mode: EmailDisplay): string {
  if (mode === 'full') {
    return email;
  }
  if (mode === 'hidden') {
    return HIDDEN_EMAIL;
  }
  const at = email.lastIndexOf('@');
  if (at <= 0) {
    return '***';
  }
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** Replaces every email address inside `text` as `displayEmail` does. */
export function redactEmails(text: string, mode: EmailDisplay): string {
  if (mode === 'full') {
    return text;
  }
  return text.replace(EMAIL_IN_TEXT, (email) => displayEmail(email, mode));
}
