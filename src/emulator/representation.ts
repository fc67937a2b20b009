import { isPlainObject, isWholeExtension, resolveAttributePath, type ResolvedAttribute } from './attribute-path.js';
import { badRequest } from './errors.js';
import { accountLinksOf, memberIdsOf, type OrganizationSettings } from './organization.js';
import { COMMON_ATTRIBUTES, findAttribute, type AttributeDefinition, type ResourceModel } from './schemas.js';
import type { ResourceStore, StoredResource } from './store.js';

/**
 * Turns stored resources into their SCIM JSON: `meta`, the computed `groups`
 * of a user, member `display`/`$ref`/`type`, account link `display`, and the
 * `attributes`/`excludedAttributes` projection of RFC 7644 §3.9.
 */

/** The base URL, store and settings that rendering reads. */
export interface RenderContext {
  baseUrl: string;
  store: ResourceStore;
  settings: OrganizationSettings;
}

/** Returns the weak ETag of a stored resource. */
export function etagOf(resource: StoredResource): string {
  return `W/"${resource.version}"`;
}

/** Renders a stored resource with every attribute, before projection. */
export function renderResource(context: RenderContext, resource: StoredResource): Record<string, unknown> {
  const endpoint = resource.resourceType === 'User' ? 'Users' : 'Groups';
  const body: Record<string, unknown> = { schemas: resource.schemas, id: resource.id, ...structuredClone(resource.data) };

  if (resource.resourceType === 'User') {
    const groups = context.store
      .groupIdsOf(resource.id)
      .flatMap((groupId) => context.store.groups.get(groupId) ?? [])
      .map((group) => ({ value: group.id, $ref: `${context.baseUrl}/Groups/${group.id}`, display: group.data.displayName, type: 'direct' }));
    if (groups.length > 0) body.groups = groups;
  } else {
    body.members = memberIdsOf(resource).map((userId) => {
      const user = context.store.users.get(userId);
      return { value: userId, $ref: `${context.baseUrl}/Users/${userId}`, type: 'User', display: user?.data.displayName ?? user?.data.userName };
    });
    const urn = context.settings.roleExtensionUrn;
    if (urn && body[urn] !== undefined) {
      const names = new Map(context.settings.accounts.map((account) => [account.id, account.name]));
      body[urn] = { accounts: accountLinksOf(resource, urn).map((link) => ({ value: link.value, display: names.get(link.value) ?? link.value, roles: link.roles })) };
    }
  }

  body.meta = {
    resourceType: resource.resourceType,
    created: resource.created,
    lastModified: resource.lastModified,
    location: `${context.baseUrl}/${endpoint}/${resource.id}`,
    version: etagOf(resource),
  };
  return body;
}

/** The parsed `attributes` or `excludedAttributes` parameter. */
export interface Projection {
  mode: 'include' | 'exclude' | 'default';
  paths: ResolvedPath[];
}

type ResolvedPath = { kind: 'attribute'; resolved: ResolvedAttribute } | { kind: 'extension'; urn: string };

/**
 * Parses `attributes` and `excludedAttributes` (comma-separated paths).
 * Sending both is 400 `invalidValue`; an unknown path is 400 `invalidPath`.
 */
export function parseProjection(model: ResourceModel, attributes: string | undefined, excludedAttributes: string | undefined): Projection {
  if (attributes !== undefined && excludedAttributes !== undefined) {
    throw badRequest('invalidValue', 'Send either "attributes" or "excludedAttributes", not both');
  }
  const text = attributes ?? excludedAttributes;
  if (text === undefined) {
    return { mode: 'default', paths: [] };
  }
  const paths = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part): ResolvedPath => {
      const resolved = resolveAttributePath(model, part);
      if (!resolved) {
        throw badRequest('invalidPath', `"${part}" is not an attribute of ${model.name}`);
      }
      return isWholeExtension(resolved) ? { kind: 'extension', urn: resolved.extension.id } : { kind: 'attribute', resolved };
    });
  return { mode: attributes !== undefined ? 'include' : 'exclude', paths };
}

/** Returns true when the projection explicitly names a top-level attribute. */
export function projectionNames(projection: Projection, attributeName: string): boolean {
  return projection.mode === 'include' && projection.paths.some((path) => path.kind === 'attribute' && path.resolved.extensionUrn === undefined && path.resolved.attribute.name === attributeName);
}

/** Applies the `returned` characteristics and a projection to a full representation. */
export function projectResource(model: ResourceModel, body: Record<string, unknown>, projection: Projection): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'schemas') {
      result[key] = value;
      continue;
    }
    const extension = model.extensions.find((candidate) => candidate.id === key);
    if (extension) {
      const block = projectBlock(extension.attributes, value, projection, extension.id);
      if (block !== undefined) result[key] = block;
      continue;
    }
    const attribute = findAttribute([...COMMON_ATTRIBUTES, ...model.core.attributes], key);
    if (!attribute) continue;
    const projected = projectAttribute(attribute, value, projection, undefined);
    if (projected !== undefined) result[key] = projected;
  }
  return result;
}

function projectBlock(attributes: AttributeDefinition[], value: unknown, projection: Projection, urn: string): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  const wholeNamed = projection.paths.some((path) => path.kind === 'extension' && path.urn === urn);
  if (projection.mode === 'exclude' && wholeNamed) return undefined;
  const block: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const attribute = findAttribute(attributes, key);
    if (!attribute) continue;
    const projected = projection.mode === 'include' && wholeNamed ? projectAttribute(attribute, item, { mode: 'default', paths: [] }, urn) : projectAttribute(attribute, item, projection, urn);
    if (projected !== undefined) block[key] = projected;
  }
  return Object.keys(block).length > 0 ? block : undefined;
}

function projectAttribute(attribute: AttributeDefinition, value: unknown, projection: Projection, urn: string | undefined): unknown {
  if (attribute.returned === 'never') return undefined;
  if (attribute.returned === 'always') return value;

  const matching = projection.paths.filter((path) => path.kind === 'attribute' && path.resolved.extensionUrn === urn && path.resolved.attribute.name === attribute.name) as { kind: 'attribute'; resolved: ResolvedAttribute }[];
  const whole = matching.some((path) => !path.resolved.subAttribute);
  const subNames = matching.flatMap((path) => (path.resolved.subAttribute ? [path.resolved.subAttribute.name] : []));

  if (projection.mode === 'default') {
    return attribute.returned === 'request' ? undefined : value;
  }
  if (projection.mode === 'exclude') {
    if (whole) return undefined;
    return subNames.length > 0 ? mapComplex(value, (item) => omitKeys(item, subNames)) : value;
  }
  if (whole) return value;
  if (subNames.length > 0) return mapComplex(value, (item) => pickKeys(item, subNames));
  return undefined;
}

function mapComplex(value: unknown, transform: (item: Record<string, unknown>) => Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => (isPlainObject(item) ? transform(item) : item));
  return isPlainObject(value) ? transform(value) : value;
}

function omitKeys(item: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !names.includes(key)));
}

function pickKeys(item: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => names.includes(key)));
}
