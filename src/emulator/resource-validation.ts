import { isPlainObject, resolveAttributePath, isWholeExtension } from './attribute-path.js';
import { badRequest } from './errors.js';
import { COMMON_ATTRIBUTES, findAttribute, type AttributeDefinition, type ResourceModel, type SchemaDefinition } from './schemas.js';

/**
 * Checks a User or Group body against its schemas and returns it in
 * canonical form. Attribute names are spelled as the schema spells them and
 * extension attributes sit under their URN. Read-only and write-only
 * attributes are dropped, because under RFC 7643 §7 a client's read-only
 * values are ignored. Null and empty values are removed, because RFC 7643
 * §2.5 reads null as unassigned.
 *
 * Unknown core attributes are 400 `invalidSyntax`. Attributes under a
 * schema extension this provider does not support, and values of the wrong
 * JSON type, are 400 `invalidValue`. That includes the strings
 * `"True"`/`"False"` for a boolean, which a strict provider does not coerce:
 * Entra's documented requests send JSON booleans.
 */

/** A validated resource body. */
export interface CanonicalResource {
  schemas: string[];
  /** Attributes by canonical name; extension attributes under the extension URN. */
  data: Record<string, unknown>;
}

/** Validates a POST or PUT body. */
export function canonicalizeResource(input: unknown, model: ResourceModel): CanonicalResource {
  if (!isPlainObject(input)) {
    throw badRequest('invalidSyntax', `The request body must be a JSON object with the ${model.name} attributes`);
  }
  const schemas = canonicalSchemas(input.schemas, model);
  const data: Record<string, unknown> = {};

  for (const [key, value] of Object.entries(input)) {
    if (key.toLowerCase() === 'schemas') {
      continue;
    }
    assignTopLevel(model, data, key, value);
  }

  return finishResource(model, schemas, data);
}

/** Re-validates the outcome of a PATCH, which the PATCH engine built from canonical parts. */
export function finishResource(model: ResourceModel, schemas: string[], data: Record<string, unknown>): CanonicalResource {
  for (const extension of model.extensions) {
    const block = data[extension.id];
    if (isPlainObject(block) && Object.keys(block).length === 0) {
      delete data[extension.id];
    }
  }
  const finalSchemas = [model.core.id, ...model.extensions.filter((extension) => data[extension.id] !== undefined || schemas.includes(extension.id)).map((extension) => extension.id)];
  for (const required of model.core.attributes.filter((attribute) => attribute.required)) {
    if (data[required.name] === undefined) {
      throw badRequest('invalidValue', `The ${model.name} attribute "${required.name}" is required`);
    }
  }
  return { schemas: finalSchemas, data };
}

function canonicalSchemas(value: unknown, model: ResourceModel): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw badRequest('invalidSyntax', `"schemas" must be an array of schema URNs that includes ${model.core.id}`);
  }
  const lower = value.map((item) => item.toLowerCase());
  if (!lower.includes(model.core.id.toLowerCase())) {
    throw badRequest('invalidSyntax', `"schemas" must include ${model.core.id}`);
  }
  // A URN this provider does not know, listed without attributes, is
  // ignored, because Entra lists its ADSCIM Group schema this way.
  // Attributes under an unknown URN are rejected in assignTopLevel.
  return [model.core.id, ...model.extensions.filter((extension) => lower.includes(extension.id.toLowerCase())).map((extension) => extension.id)];
}

function assignTopLevel(model: ResourceModel, data: Record<string, unknown>, key: string, value: unknown): void {
  const extension = model.extensions.find((candidate) => candidate.id.toLowerCase() === key.toLowerCase());
  if (extension) {
    if (value === null) {
      return;
    }
    data[extension.id] = canonicalizeExtension(extension, value);
    return;
  }

  if (key.includes(':')) {
    const resolved = resolveAttributePath(model, key);
    if (!resolved || isWholeExtension(resolved) || resolved.subAttribute) {
      throw badRequest('invalidValue', `"${key}" is not an attribute of any schema extension that ${model.name} supports; /Schemas lists the supported ones`);
    }
    assignAttribute(resolved.extensionUrn === undefined ? data : blockOf(data, resolved.extensionUrn), resolved.attribute, value, key);
    return;
  }

  const attribute = findAttribute([...COMMON_ATTRIBUTES, ...model.core.attributes], key);
  if (!attribute) {
    throw badRequest('invalidSyntax', `"${key}" is not an attribute of ${model.core.id}`);
  }
  assignAttribute(data, attribute, value, key);
}

function canonicalizeExtension(extension: SchemaDefinition, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw badRequest('invalidValue', `"${extension.id}" must be an object of that extension's attributes`);
  }
  const block: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const attribute = findAttribute(extension.attributes, key);
    if (!attribute) {
      throw badRequest('invalidSyntax', `"${key}" is not an attribute of ${extension.id}`);
    }
    assignAttribute(block, attribute, item, `${extension.id}:${key}`);
  }
  return block;
}

function blockOf(data: Record<string, unknown>, urn: string): Record<string, unknown> {
  const existing = data[urn];
  if (isPlainObject(existing)) {
    return existing;
  }
  const block: Record<string, unknown> = {};
  data[urn] = block;
  return block;
}

function assignAttribute(target: Record<string, unknown>, attribute: AttributeDefinition, value: unknown, path: string): void {
  if (attribute.mutability === 'readOnly' || attribute.mutability === 'writeOnly') {
    return;
  }
  const canonical = canonicalizeValue(attribute, value, path);
  if (canonical === undefined) {
    delete target[attribute.name];
  } else {
    target[attribute.name] = canonical;
  }
}

/**
 * Checks one attribute's value and returns it in canonical form, or
 * undefined when it is unassigned (null, or an empty array).
 */
export function canonicalizeValue(attribute: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (!attribute.multiValued) {
    return canonicalizeSingle(attribute, value, path);
  }
  if (!Array.isArray(value)) {
    throw badRequest('invalidValue', `"${path}" is multi-valued and must be a JSON array`);
  }
  const items = value
    .map((item, index) => (item === null ? undefined : canonicalizeSingle(attribute, item, `${path}[${index}]`)))
    .filter((item) => item !== undefined);
  if (attribute.type === 'complex') {
    const primaries = items.filter((item) => isPlainObject(item) && item.primary === true).length;
    if (primaries > 1) {
      throw badRequest('invalidValue', `"${path}" has ${primaries} values with primary true; at most one is allowed`);
    }
  }
  return items.length > 0 ? items : undefined;
}

/** Checks one value of an attribute, ignoring `multiValued`. */
export function canonicalizeSingle(attribute: AttributeDefinition, value: unknown, path: string): unknown {
  const invalid = (expected: string) => badRequest('invalidValue', `"${path}" must be ${expected}, got ${JSON.stringify(value)}`);
  switch (attribute.type) {
    case 'complex':
      return canonicalizeComplex(attribute, value, path);
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid('a JSON boolean (true or false)');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid('an integer');
      return value;
    case 'decimal':
      if (typeof value !== 'number') throw invalid('a number');
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid('an xsd:dateTime string');
      return value;
    default:
      if (typeof value !== 'string') throw invalid('a string');
      return value;
  }
}

function canonicalizeComplex(attribute: AttributeDefinition, value: unknown, path: string): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) {
    throw badRequest('invalidValue', `"${path}" must be a JSON object, got ${JSON.stringify(value)}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(attribute.subAttributes ?? [], key);
    if (!sub) {
      throw badRequest('invalidSyntax', `"${key}" is not a sub-attribute of "${path}"`);
    }
    assignAttribute(result, sub, item, `${path}.${sub.name}`);
  }
  return Object.keys(result).length > 0 ? result : undefined;
}
