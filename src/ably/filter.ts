/**
 * Builds the SCIM filter `attribute eq "value"`.
 *
 * RFC 7644 section 3.4.2.2 takes a filter's string value from the JSON grammar,
 * so JSON string escaping quotes `"` and `\` and control characters. The
 * caller's transport percent-encodes the whole filter for the query string.
 */
export function equalityFilter(attribute: string, value: string): string {
  return `${attribute} eq ${JSON.stringify(value)}`;
}

/** Builds the PATCH path that selects one member: `members[value eq "id"]`. */
export function memberValuePath(userId: string): string {
  return `members[${equalityFilter('value', userId)}]`;
}

/** Builds `attribute eq "a" or attribute eq "b" ...`, which matches any of `values`. */
export function anyOfFilter(attribute: string, values: readonly string[]): string {
  return values.map((value) => equalityFilter(attribute, value)).join(' or ');
}
