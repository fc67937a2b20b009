import { containerOf, isPlainObject, isWholeExtension, resolveAttributePath, type ResolvedAttribute } from './attribute-path.js';
import { badRequest, ScimError } from './errors.js';
import { compileFilter, parsePatchPath, subAttributeScope, type PatchPath } from './filter.js';
import { canonicalizeSingle, canonicalizeValue } from './resource-validation.js';
import { findAttribute, PATCH_OP_SCHEMA, type AttributeDefinition, type ResourceModel } from './schemas.js';

/**
 * PATCH semantics of RFC 7644 §3.5.2 on a resource's canonical attributes.
 *
 * Decisions where clients and the RFC differ:
 * - `op` is matched case-insensitively, because Microsoft Entra sends
 *   `Add`, `Replace` and `Remove`.
 * - `remove` on a multi-valued path with a `value` array removes only the
 *   listed values (matched on their `value` sub-attribute). Entra removes
 *   group members this way; reading it as "remove every member" would wipe
 *   the group.
 * - `remove` with a value filter that matches nothing changes nothing, so
 *   removals are idempotent. `add` and `replace` with a value filter that
 *   matches nothing are 400 `noTarget`.
 * - A no-path `replace` whose value repeats the resource's own `id` is
 *   accepted, because Okta's group rename sends it. Any other change to a
 *   read-only or immutable attribute is 400 `mutability`.
 */

/** One parsed operation. */
interface PatchOperation {
  op: 'add' | 'remove' | 'replace';
  path: PatchPath | undefined;
  value: unknown;
}

/** Checks a PatchOp request body and returns its operations; malformed requests are 400 `invalidSyntax`. */
export function parsePatchRequest(body: unknown, maxOperations: number | undefined): PatchOperation[] {
  if (!isPlainObject(body)) {
    throw badRequest('invalidSyntax', 'The PATCH body must be a JSON object');
  }
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA)) {
    throw badRequest('invalidSyntax', `A PATCH body must list "${PATCH_OP_SCHEMA}" in "schemas"`);
  }
  const operations = body.Operations;
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest('invalidSyntax', 'A PATCH body needs a non-empty "Operations" array');
  }
  if (maxOperations !== undefined && operations.length > maxOperations) {
    throw badRequest('tooMany', `The PATCH request has ${operations.length} operations; this service provider accepts at most ${maxOperations} per request`);
  }
  return operations.map((operation, index) => {
    if (!isPlainObject(operation)) {
      throw badRequest('invalidSyntax', `Operations[${index}] must be a JSON object`);
    }
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : undefined;
    if (op !== 'add' && op !== 'remove' && op !== 'replace') {
      throw badRequest('invalidSyntax', `Operations[${index}].op must be add, remove or replace, got ${JSON.stringify(operation.op ?? null)}`);
    }
    const rawPath = operation.path;
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
      throw badRequest('invalidPath', `Operations[${index}].path must be a string`);
    }
    const path = rawPath ? parsePatchPath(rawPath) : undefined;
    if (op !== 'remove' && !('value' in operation)) {
      throw badRequest('invalidValue', `Operations[${index}] (${op}) needs a "value"`);
    }
    return { op, path, value: operation.value };
  });
}

/** Applies operations to a copy of `data` and returns the copy. `id` is the resource's own id. */
export function applyPatch(model: ResourceModel, data: Record<string, unknown>, operations: PatchOperation[], id: string): Record<string, unknown> {
  const target = structuredClone(data);
  for (const operation of operations) {
    if (operation.path) {
      applyAtPath(model, target, operation.op, operation.path, operation.value);
      continue;
    }
    if (operation.op === 'remove') {
      throw badRequest('noTarget', 'A remove operation needs a "path"');
    }
    if (!isPlainObject(operation.value)) {
      throw badRequest('invalidValue', `A ${operation.op} without "path" needs an object of attributes as "value"`);
    }
    for (const [key, value] of Object.entries(operation.value)) {
      if (key.toLowerCase() === 'schemas') continue;
      if (key.toLowerCase() === 'id' && value === id) continue;
      applyAtPath(model, target, operation.op, { attributePath: key, valueFilter: undefined, subAttribute: undefined }, value);
    }
  }
  return target;
}

function applyAtPath(model: ResourceModel, data: Record<string, unknown>, op: PatchOperation['op'], path: PatchPath, value: unknown): void {
  const resolved = resolveAttributePath(model, path.attributePath);
  if (!resolved) {
    throw badRequest('invalidPath', `"${path.attributePath}" is not an attribute of ${model.name}`);
  }

  if (isWholeExtension(resolved)) {
    if (path.valueFilter || path.subAttribute) {
      throw badRequest('invalidPath', `"${path.attributePath}" is a schema extension and takes no value filter`);
    }
    if (op === 'remove') {
      delete data[resolved.extension.id];
      return;
    }
    if (!isPlainObject(value)) {
      throw badRequest('invalidValue', `The value for "${resolved.extension.id}" must be an object of its attributes`);
    }
    for (const [key, item] of Object.entries(value)) {
      applyAtPath(model, data, op, { attributePath: `${resolved.extension.id}:${key}`, valueFilter: undefined, subAttribute: undefined }, item);
    }
    return;
  }

  if (path.valueFilter && resolved.subAttribute) {
    throw badRequest('invalidPath', `"${path.attributePath}" names a sub-attribute before a value filter`);
  }
  const subAttribute = resolved.subAttribute ?? subAttributeOf(resolved.attribute, path.subAttribute);
  checkMutability(resolved.attribute, subAttribute, op);

  let container = containerOf(data, resolved.extensionUrn);
  if (!container) {
    if (op === 'remove') return;
    container = {};
    data[resolved.extensionUrn as string] = container;
  }

  if (path.valueFilter) {
    applyFiltered({ container, attribute: resolved.attribute, subAttribute, op, path, value });
  } else if (subAttribute) {
    applySubAttribute(container, resolved, subAttribute, op, value);
  } else {
    applyWhole(container, resolved.attribute, op, value);
  }
}

function subAttributeOf(attribute: AttributeDefinition, name: string | undefined): AttributeDefinition | undefined {
  if (name === undefined) return undefined;
  const sub = findAttribute(attribute.subAttributes ?? [], name);
  if (!sub) {
    throw badRequest('invalidPath', `"${name}" is not a sub-attribute of "${attribute.name}"`);
  }
  return sub;
}

function checkMutability(attribute: AttributeDefinition, subAttribute: AttributeDefinition | undefined, op: PatchOperation['op']): void {
  const readOnly = [attribute, subAttribute].find((definition) => definition?.mutability === 'readOnly');
  if (readOnly) {
    throw new ScimError(400, `"${readOnly.name}" is read-only and cannot be changed with PATCH`, { scimType: 'mutability' });
  }
  // An immutable sub-attribute such as members.value is set when its value is
  // added and cannot be rewritten in place afterwards.
  if (subAttribute?.mutability === 'immutable' && op !== 'add') {
    throw new ScimError(400, `"${attribute.name}.${subAttribute.name}" is immutable; remove the value and add a new one instead`, { scimType: 'mutability' });
  }
}

function applyWhole(container: Record<string, unknown>, attribute: AttributeDefinition, op: PatchOperation['op'], value: unknown): void {
  const name = attribute.name;
  if (op === 'remove') {
    if (attribute.multiValued && value !== undefined && value !== null) {
      removeListedValues(container, attribute, value);
    } else {
      delete container[name];
    }
    return;
  }

  if (attribute.multiValued) {
    const incoming = canonicalizeValue(attribute, Array.isArray(value) ? value : [value], name) as unknown[] | undefined;
    if (op === 'replace') {
      setOrDelete(container, name, incoming);
      return;
    }
    const current = Array.isArray(container[name]) ? (container[name] as unknown[]) : [];
    const merged = [...current];
    for (const item of incoming ?? []) {
      if (!merged.some((existing) => sameValue(attribute, existing, item))) merged.push(item);
    }
    setOrDelete(container, name, clearOtherPrimaries(merged, incoming ?? []));
    return;
  }

  if (attribute.type === 'complex') {
    // RFC 7644 §3.5.2.1 and §3.5.2.3: sub-attributes not named in the value keep their values.
    const incoming = canonicalizeSingle(attribute, value, name) as Record<string, unknown> | undefined;
    const current = isPlainObject(container[name]) ? (container[name] as Record<string, unknown>) : {};
    setOrDelete(container, name, { ...current, ...incoming });
    return;
  }
  setOrDelete(container, name, canonicalizeSingle(attribute, value, name));
}

function applySubAttribute(container: Record<string, unknown>, resolved: ResolvedAttribute, subAttribute: AttributeDefinition, op: PatchOperation['op'], value: unknown): void {
  const parent = resolved.attribute;
  const label = `${parent.name}.${subAttribute.name}`;
  if (!parent.multiValued) {
    const current = isPlainObject(container[parent.name]) ? { ...(container[parent.name] as Record<string, unknown>) } : {};
    if (op === 'remove') {
      delete current[subAttribute.name];
    } else {
      setOrDelete(current, subAttribute.name, canonicalizeValue(subAttribute, value, label));
    }
    setOrDelete(container, parent.name, Object.keys(current).length > 0 ? current : undefined);
    return;
  }
  const elements = Array.isArray(container[parent.name]) ? (container[parent.name] as unknown[]).filter(isPlainObject) : [];
  if (op !== 'remove' && elements.length === 0) {
    throw badRequest('noTarget', `"${label}" has no values to ${op}`);
  }
  const canonical = op === 'remove' ? undefined : canonicalizeValue(subAttribute, value, label);
  for (const element of elements) {
    setOrDelete(element, subAttribute.name, canonical);
  }
}

function applyFiltered(options: {
  container: Record<string, unknown>;
  attribute: AttributeDefinition;
  subAttribute: AttributeDefinition | undefined;
  op: PatchOperation['op'];
  path: PatchPath;
  value: unknown;
}): void {
  const { container, attribute, subAttribute, op, path, value } = options;
  if (!attribute.multiValued || attribute.type !== 'complex' || !path.valueFilter) {
    throw badRequest('invalidPath', `"${attribute.name}" is not a multi-valued complex attribute, so it takes no value filter`);
  }
  const matches = compileFilter(path.valueFilter, subAttributeScope(attribute));
  const elements = Array.isArray(container[attribute.name]) ? (container[attribute.name] as unknown[]) : [];
  const selected = elements.filter((element) => isPlainObject(element) && matches(element)) as Record<string, unknown>[];

  if (op === 'remove') {
    if (subAttribute) {
      selected.forEach((element) => delete element[subAttribute.name]);
      setOrDelete(container, attribute.name, elements.filter((element) => isPlainObject(element) && Object.keys(element).length > 0));
    } else {
      setOrDelete(container, attribute.name, elements.filter((element) => !selected.includes(element as Record<string, unknown>)));
    }
    return;
  }

  if (selected.length === 0) {
    throw badRequest('noTarget', `No value of "${attribute.name}" matches the filter in "${path.attributePath}[...]"`);
  }
  if (subAttribute) {
    const canonical = canonicalizeValue(subAttribute, value, `${attribute.name}.${subAttribute.name}`);
    selected.forEach((element) => setOrDelete(element, subAttribute.name, canonical));
    if (subAttribute.name === 'primary' && canonical === true) {
      setOrDelete(container, attribute.name, clearOtherPrimaries(elements, selected.slice(0, 1)));
    }
    return;
  }
  const replacement = canonicalizeSingle(attribute, value, attribute.name) as Record<string, unknown> | undefined;
  const updated = elements.map((element) => {
    if (!selected.includes(element as Record<string, unknown>)) return element;
    return op === 'replace' ? { ...replacement } : { ...(element as Record<string, unknown>), ...replacement };
  });
  const changed = updated.filter((element, index) => element !== elements[index]);
  setOrDelete(container, attribute.name, clearOtherPrimaries(updated, changed));
}

function removeListedValues(container: Record<string, unknown>, attribute: AttributeDefinition, value: unknown): void {
  const listed = Array.isArray(value) ? value : [value];
  const current = Array.isArray(container[attribute.name]) ? (container[attribute.name] as unknown[]) : [];
  const remaining = current.filter((existing) => !listed.some((item) => sameValue(attribute, existing, item)));
  setOrDelete(container, attribute.name, remaining);
}

/** Two values of a multi-valued attribute are the same when their `value` sub-attributes are equal (or, for simple values, the values). */
function sameValue(attribute: AttributeDefinition, left: unknown, right: unknown): boolean {
  if (attribute.type !== 'complex') {
    return left === right;
  }
  if (!isPlainObject(left) || !isPlainObject(right)) return false;
  const valueDefinition = findAttribute(attribute.subAttributes ?? [], 'value');
  const leftValue = left.value ?? left.Value;
  const rightValue = right.value ?? right.Value;
  if (valueDefinition && typeof leftValue === 'string' && typeof rightValue === 'string') {
    return valueDefinition.caseExact ? leftValue === rightValue : leftValue.toLowerCase() === rightValue.toLowerCase();
  }
  return JSON.stringify(left) === JSON.stringify(right);
}

/** RFC 7644 §3.5.2: setting `primary` true on one value sets it false on every other value. */
function clearOtherPrimaries(elements: unknown[], changed: unknown[]): unknown[] {
  const newPrimary = changed.find((element) => isPlainObject(element) && element.primary === true);
  if (!newPrimary) return elements;
  return elements.map((element) => (element !== newPrimary && isPlainObject(element) && element.primary === true ? { ...element, primary: false } : element));
}

function setOrDelete(container: Record<string, unknown>, name: string, value: unknown): void {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    delete container[name];
  } else {
    container[name] = value;
  }
}
