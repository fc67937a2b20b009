import {
  COMMON_ATTRIBUTES,
  findAttribute,
  type AttributeDefinition,
  type ResourceModel,
  type SchemaDefinition,
} from './schemas.js';

/**
 * Resolves attribute paths such as `userName`, `name.givenName` or
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
 * against a resource model (RFC 7644 §3.10). Names match case-insensitively;
 * the result carries the canonical names the stored resources use.
 */

/** An attribute, or one sub-attribute of a complex attribute, located in a resource model. */
export interface ResolvedAttribute {
  /** The extension URN whose block holds the attribute; undefined for core and common attributes. */
  extensionUrn: string | undefined;
  attribute: AttributeDefinition;
  subAttribute: AttributeDefinition | undefined;
}

/** A path that names a whole extension block, such as the role extension's URN. */
export interface ResolvedExtension {
  extension: SchemaDefinition;
}

const ATTRIBUTE_NAME = /^(\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;

/** Returns true when `name` is an ATTRNAME of RFC 7644's ABNF (or `$ref`). */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/**
 * Resolves an attribute path (`[URN ":"] ATTRNAME ["." subAttr]`). Returns
 * undefined when the path names nothing in the model, or a whole extension
 * when it is exactly an extension URN.
 */
export function resolveAttributePath(model: ResourceModel, path: string): ResolvedAttribute | ResolvedExtension | undefined {
  const lower = path.toLowerCase();
  const wholeExtension = model.extensions.find((extension) => extension.id.toLowerCase() === lower);
  if (wholeExtension) {
    return { extension: wholeExtension };
  }

  let schema: SchemaDefinition = model.core;
  let rest = path;
  const prefixed = [model.core, ...model.extensions].find((candidate) => lower.startsWith(`${candidate.id.toLowerCase()}:`));
  if (prefixed) {
    schema = prefixed;
    rest = path.slice(prefixed.id.length + 1);
  } else if (path.includes(':')) {
    return undefined;
  }

  const names = rest.split('.');
  if (names.length > 2 || !names.every(isAttributeName)) {
    return undefined;
  }
  const [attributeName, subAttributeName] = names as [string, string | undefined];
  const isCore = schema === model.core;
  const attribute = findAttribute(isCore ? [...COMMON_ATTRIBUTES, ...schema.attributes] : schema.attributes, attributeName);
  if (!attribute) {
    return undefined;
  }
  let subAttribute: AttributeDefinition | undefined;
  if (subAttributeName !== undefined) {
    subAttribute = findAttribute(attribute.subAttributes ?? [], subAttributeName);
    if (!subAttribute) {
      return undefined;
    }
  }
  return { extensionUrn: isCore ? undefined : schema.id, attribute, subAttribute };
}

/** Returns true when the resolution names a whole extension block. */
export function isWholeExtension(resolved: ResolvedAttribute | ResolvedExtension): resolved is ResolvedExtension {
  return 'extension' in resolved;
}

/** Returns the object that holds a resolved attribute: the resource itself, or its extension block. */
export function containerOf(resource: Record<string, unknown>, extensionUrn: string | undefined): Record<string, unknown> | undefined {
  if (extensionUrn === undefined) {
    return resource;
  }
  const block = resource[extensionUrn];
  return isPlainObject(block) ? block : undefined;
}

/** Collects the values an attribute path selects, flattening multi-valued attributes; absent and null values are left out. */
export function collectValues(resource: Record<string, unknown>, resolved: ResolvedAttribute): unknown[] {
  const container = containerOf(resource, resolved.extensionUrn);
  const raw = container?.[resolved.attribute.name];
  const values = asList(raw);
  if (!resolved.subAttribute) {
    return values;
  }
  const subName = resolved.subAttribute.name;
  return values.flatMap((value) => (isPlainObject(value) ? asList(value[subName]) : []));
}

/** Returns true for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value.filter((item) => item !== undefined && item !== null) : [value];
}
