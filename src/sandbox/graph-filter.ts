import type { GraphUser } from './graph-directory.js';

/** The `$filter` uses a form the local Graph server does not implement. */
export class UnsupportedFilterError extends Error {}

/**
 * Evaluates the small part of OData `$filter` the local Graph server supports
 * on users: clauses `property eq 'text'`, `property eq true|false` and
 * `startswith(property,'text')`, joined by `and`. Anything else raises
 * `UnsupportedFilterError`, and the server then returns `400`, as Graph does
 * for a query it cannot run.
 */
export function matchesUserFilter(user: GraphUser, filter: string): boolean {
  return filter.split(/\s+and\s+/i).every((clause) => matchesClause(user, clause.trim()));
}

function matchesClause(user: GraphUser, clause: string): boolean {
  const equals = /^(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))$/i.exec(clause);
  if (equals?.[1] !== undefined) {
    const actual = propertyOf(user, equals[1]);
    const expected = equals[2] !== undefined ? equals[2].replaceAll("''", "'") : equals[3]?.toLowerCase() === 'true';
    return typeof actual === 'string' && typeof expected === 'string' ? actual.toLowerCase() === expected.toLowerCase() : actual === expected;
  }
  const startsWith = /^startswith\((\w+),\s*'((?:[^']|'')*)'\)$/i.exec(clause);
  if (startsWith?.[1] !== undefined && startsWith[2] !== undefined) {
    const actual = propertyOf(user, startsWith[1]);
    return typeof actual === 'string' && actual.toLowerCase().startsWith(startsWith[2].replaceAll("''", "'").toLowerCase());
  }
  throw new UnsupportedFilterError(`Unsupported or invalid query filter clause specified: '${clause}'.`);
}

function propertyOf(user: GraphUser, name: string): unknown {
  if (!Object.hasOwn(user, name)) {
    throw new UnsupportedFilterError(`Property '${name}' does not exist on type 'microsoft.graph.user'.`);
  }
  return user[name as keyof GraphUser];
}
