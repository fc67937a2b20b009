import type { MappingConfig } from '../config/schema.js';
import type { DirectoryGroup, DirectoryUser } from '../domain/directory.js';

/** One entry of `mapping.groups`: how an IdP group is selected, and what it grants. */
export type GroupMappingEntry = MappingConfig['groups'][number];

/** A selector from `mapping.groups[].idpGroup`; exactly one field is set. */
export type GroupSelector = GroupMappingEntry['idpGroup'];

/**
 * Returns true when `group` matches `selector`: `name` compares case-insensitively
 * and exactly, `pattern` must match the whole name, and `id` compares exactly.
 */
export function matchesGroupSelector(selector: GroupSelector, group: DirectoryGroup): boolean {
  if (selector.id !== undefined) {
    return group.externalId === selector.id;
  }
  if (selector.name !== undefined) {
    return group.name.toLowerCase() === selector.name.toLowerCase();
  }
  if (selector.pattern !== undefined) {
    // Anchored, so `Eng` does not select `Engineering-Contractors`.
    return new RegExp(`^(?:${selector.pattern})$`).test(group.name);
  }
  return false;
}

/** Returns the mapping entries that select `group`, in configuration order. */
export function mappingEntriesFor(mapping: MappingConfig, group: DirectoryGroup): GroupMappingEntry[] {
  return mapping.groups.filter((entry) => matchesGroupSelector(entry.idpGroup, group));
}

/**
 * A set of users named in `includeUsers` or `excludeUsers`. An entry matches a
 * user's login or email case-insensitively, or its IdP id exactly.
 */
export class UserReferenceSet {
  private readonly lowercased: Set<string>;
  private readonly exact: Set<string>;

  constructor(references: readonly string[]) {
    this.exact = new Set(references);
    this.lowercased = new Set(references.map((reference) => reference.toLowerCase()));
  }

  has(user: DirectoryUser): boolean {
    if (this.exact.has(user.externalId)) {
      return true;
    }
    if (this.lowercased.has(user.login.toLowerCase())) {
      return true;
    }
    return user.email !== undefined && this.lowercased.has(user.email.toLowerCase());
  }
}
