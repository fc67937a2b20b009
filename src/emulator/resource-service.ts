import { randomUUID } from 'node:crypto';
import { ScimError, badRequest, notFound } from './errors.js';
import { compileFilter, parseFilter, resourceScope, type FilterExpression, type ResourcePredicate } from './filter.js';
import { checkGroupRules, checkUserRules, initialDirectRoles, memberIdsOf, type OrganizationSettings } from './organization.js';
import { applyPatch, parsePatchRequest } from './patch.js';
import { etagOf, renderResource, type RenderContext } from './representation.js';
import { canonicalizeResource, finishResource, type CanonicalResource } from './resource-validation.js';
import { collectValues, isWholeExtension, resolveAttributePath } from './attribute-path.js';
import type { AttributeDefinition, ResourceModel } from './schemas.js';
import type { ResourceStore, StoredResource } from './store.js';

/**
 * The SCIM operations on Users and Groups (RFC 7644 §3.3 to §3.6), with the
 * organization rules applied. HTTP details stay in the server; this layer
 * takes parsed bodies and returns stored resources or throws `ScimError`.
 */

/** A list query after parameter parsing. */
export interface ListQuery {
  filter: string | undefined;
  /** 1-based; values below 1 are read as 1 (RFC 7644 §3.4.2.4). */
  startIndex: number;
  count: number | undefined;
  sortBy: string | undefined;
  sortOrder: 'ascending' | 'descending';
}

/** One page of a list. */
export interface ListPage {
  totalResults: number;
  startIndex: number;
  resources: StoredResource[];
}

/** The operations the server calls. */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly settings: OrganizationSettings,
    private readonly render: RenderContext,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Returns a stored resource or throws 404. */
  get(model: ResourceModel, id: string): StoredResource {
    const resource = this.store.mapFor(model.name).get(id);
    if (!resource) {
      throw notFound(model.name, id);
    }
    return resource;
  }

  /** Creates a resource from a POST body. */
  create(model: ResourceModel, body: unknown): StoredResource {
    const candidate = canonicalizeResource(body, model);
    if (model.name === 'User' && candidate.data.active === undefined) {
      // A user created without `active` can sign in, as in Ably's dashboard.
      candidate.data.active = true;
    }
    this.checkRules(model, candidate, undefined);
    const timestamp = this.now().toISOString();
    const resource: StoredResource = {
      resourceType: model.name,
      id: randomUUID(),
      schemas: candidate.schemas,
      data: candidate.data,
      created: timestamp,
      lastModified: timestamp,
      version: 1,
    };
    if (model.name === 'User') {
      resource.directRoles = initialDirectRoles(this.settings);
    }
    this.store.commit({ put: [resource] });
    return resource;
  }

  /** Replaces a resource with a PUT body (RFC 7644 §3.5.1). */
  replace(model: ResourceModel, id: string, body: unknown, ifMatch: string | undefined): StoredResource {
    const current = this.get(model, id);
    checkPrecondition(current, ifMatch);
    const bodyId = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).id : undefined;
    if (bodyId !== undefined && bodyId !== id) {
      throw new ScimError(400, `"id" is read-only: the body has ${JSON.stringify(bodyId)} but the URL names ${id}`, { scimType: 'mutability' });
    }
    const candidate = canonicalizeResource(body, model);
    return this.saveChange(model, current, candidate);
  }

  /** Applies a PATCH body (RFC 7644 §3.5.2). */
  patch(model: ResourceModel, id: string, body: unknown, ifMatch: string | undefined, maxOperations: number | undefined): StoredResource {
    const current = this.get(model, id);
    checkPrecondition(current, ifMatch);
    const operations = parsePatchRequest(body, maxOperations);
    const data = applyPatch(model, current.data, operations, id);
    return this.saveChange(model, current, finishResource(model, current.schemas, data));
  }

  /** Deletes a resource; deleting a user also removes it from every group. */
  delete(model: ResourceModel, id: string, ifMatch: string | undefined): void {
    const current = this.get(model, id);
    checkPrecondition(current, ifMatch);
    const touched: StoredResource[] = [];
    if (model.name === 'User') {
      for (const groupId of this.store.groupIdsOf(id)) {
        const group = this.store.groups.get(groupId);
        if (!group) continue;
        const data = { ...group.data };
        const remaining = memberIdsOf(group).filter((memberId) => memberId !== id);
        if (remaining.length > 0) data.members = remaining.map((value) => ({ value }));
        else delete data.members;
        touched.push(this.nextVersion(group, group.schemas, data));
      }
    }
    this.store.commit({ put: touched, delete: [current] });
  }

  /** Lists resources of one or more types, filtered, sorted and paged. */
  list(models: ResourceModel[], query: ListQuery, maxResults: number): ListPage {
    const predicates = compileForModels(models, query.filter);
    const expression = query.filter === undefined ? undefined : parseFilter(query.filter);
    let matches: StoredResource[] = [];
    for (const model of models) {
      const predicate = predicates.get(model.name);
      if (!predicate) continue;
      for (const resource of this.candidates(model, expression)) {
        if (expression === undefined || predicate(renderResource(this.render, resource))) matches.push(resource);
      }
    }
    if (query.sortBy !== undefined) {
      matches = this.sorted(models, matches, query.sortBy, query.sortOrder);
    }
    const startIndex = Math.max(1, query.startIndex);
    const count = Math.min(Math.max(0, query.count ?? maxResults), maxResults);
    return { totalResults: matches.length, startIndex, resources: matches.slice(startIndex - 1, startIndex - 1 + count) };
  }

  /**
   * Narrows a list to the resources an index can name, for the lookups that
   * provisioning clients send most (`userName eq`, `displayName eq`,
   * `id eq`, `externalId eq`). The full filter still runs on every candidate.
   */
  private candidates(model: ResourceModel, expression: FilterExpression | undefined): Iterable<StoredResource> {
    const all = this.store.mapFor(model.name);
    if (expression?.kind !== 'comparison' || expression.operator !== 'eq' || typeof expression.value !== 'string') {
      return all.values();
    }
    const resolved = resolveAttributePath(model, expression.path);
    if (!resolved || isWholeExtension(resolved) || resolved.extensionUrn !== undefined || resolved.subAttribute) {
      return all.values();
    }
    if (resolved.attribute.name === 'externalId') {
      // externalId is caseExact, so the stored value must match exactly.
      return [...all.values()].filter((resource) => resource.data.externalId === expression.value);
    }
    let id: string | undefined;
    if (resolved.attribute.name === 'id') {
      id = expression.value;
    } else if (resolved.attribute.name === (model.name === 'User' ? 'userName' : 'displayName')) {
      id = this.store.idByUniqueName(model.name, expression.value);
    } else {
      return all.values();
    }
    const resource = id === undefined ? undefined : all.get(id);
    return resource ? [resource] : [];
  }

  private sorted(models: ResourceModel[], resources: StoredResource[], sortBy: string, sortOrder: 'ascending' | 'descending'): StoredResource[] {
    const resolutions = new Map(models.map((model) => [model.name, resolveAttributePath(model, sortBy)]));
    if ([...resolutions.values()].every((resolved) => !resolved || isWholeExtension(resolved))) {
      throw badRequest('invalidValue', `sortBy "${sortBy}" is not an attribute of ${models.map((model) => model.name).join(' or ')}`);
    }
    const keyed = resources.map((resource) => {
      const resolved = resolutions.get(resource.resourceType);
      let key: string | number | undefined;
      if (resolved && !isWholeExtension(resolved)) {
        const values = collectValues(renderResource(this.render, resource), resolved);
        const primary = values.find((value) => typeof value === 'object' && value !== null && (value as Record<string, unknown>).primary === true) ?? values[0];
        const raw = typeof primary === 'object' && primary !== null ? (primary as Record<string, unknown>).value : primary;
        key = sortKey(resolved.subAttribute ?? resolved.attribute, raw);
      }
      return { resource, key };
    });
    const direction = sortOrder === 'descending' ? -1 : 1;
    // RFC 7644 §3.4.2.3: resources without a value sort last when ascending and first when descending.
    keyed.sort((left, right) => {
      if (left.key === undefined && right.key === undefined) return 0;
      if (left.key === undefined) return direction;
      if (right.key === undefined) return -direction;
      if (left.key < right.key) return -direction;
      if (left.key > right.key) return direction;
      return 0;
    });
    return keyed.map((entry) => entry.resource);
  }

  private checkRules(model: ResourceModel, candidate: CanonicalResource, ownId: string | undefined): void {
    if (model.name === 'User') {
      checkUserRules(this.settings, this.store, candidate, ownId);
    } else {
      checkGroupRules(this.settings, this.store, candidate, ownId);
    }
  }

  private saveChange(model: ResourceModel, current: StoredResource, candidate: CanonicalResource): StoredResource {
    this.checkRules(model, candidate, current.id);
    const updated = this.nextVersion(current, candidate.schemas, candidate.data);
    this.store.commit({ put: [updated] });
    return updated;
  }

  private nextVersion(current: StoredResource, schemas: string[], data: Record<string, unknown>): StoredResource {
    return { ...current, schemas, data, version: current.version + 1, lastModified: this.now().toISOString() };
  }
}

function sortKey(definition: AttributeDefinition, raw: unknown): string | number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw !== 'string') return undefined;
  if (definition.type === 'dateTime') return Date.parse(raw);
  return definition.caseExact ? raw : raw.toLowerCase();
}

function compileForModels(models: ResourceModel[], filter: string | undefined): Map<string, ResourcePredicate> {
  const predicates = new Map<string, ResourcePredicate>();
  if (filter === undefined) {
    models.forEach((model) => predicates.set(model.name, () => true));
    return predicates;
  }
  const expression = parseFilter(filter);
  let firstError: unknown;
  for (const model of models) {
    try {
      predicates.set(model.name, compileFilter(expression, resourceScope(model)));
    } catch (error) {
      firstError ??= error;
    }
  }
  if (predicates.size === 0) {
    throw firstError;
  }
  // At the root endpoint a filter may name attributes of one resource type
  // only; for the other types those attributes read as absent.
  for (const model of models) {
    if (!predicates.has(model.name)) {
      predicates.set(model.name, compileFilter(expression, resourceScope(model, { unknownIsAbsent: true })));
    }
  }
  return predicates;
}

/** Checks `If-Match` (RFC 7644 §3.14); a mismatch is 412 Precondition Failed. */
export function checkPrecondition(resource: StoredResource, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const requested = ifMatch.split(',').map((tag) => tag.trim());
  const current = etagOf(resource);
  const bare = (tag: string) => tag.replace(/^W\//, '');
  if (requested.includes('*') || requested.some((tag) => bare(tag) === bare(current))) return;
  throw new ScimError(412, `Precondition Failed: the resource's version is ${current}, not ${ifMatch}`);
}
