import type { OrganizationConfig } from '../config/schema.js';

/** The registered-domain rule, as configured under `organization`. */
export type DomainRule = Pick<OrganizationConfig, 'domain' | 'allowSubdomains'>;

/** Returns the domain of an email address, lowercased, or undefined when it has no `@` or nothing after it. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) {
    return undefined;
  }
  return email.slice(at + 1).toLowerCase();
}

/**
 * Returns true when Ably accepts `email` for this organization: its domain
 * equals the registered domain (case-insensitive, no suffix match), or is a
 * subdomain of it when `allowSubdomains` is set.
 */
export function isEmailInRegisteredDomain(email: string, rule: DomainRule): boolean {
  const domain = emailDomain(email);
  if (domain === undefined) {
    return false;
  }
  const registered = rule.domain.toLowerCase();
  if (domain === registered) {
    return true;
  }
  return rule.allowSubdomains && domain.endsWith(`.${registered}`);
}
