/*
 * The PATCH operations and PUT bodies of updates. A PUT replaces the whole
 * resource, so each PUT body starts from the resource as read and changes
 * only the attributes the daemon owns.
 */

import type { DesiredUser } from '../domain/operations.js';
import { FatalError } from '../errors/index.js';
import type { PatchOperation } from './patch-sender.js';
import { parseMemberIds, toScimName, toScimUser } from './wire.js';

/** A SCIM resource as read, before any parsing. */
export type ScimResource = Record<string, unknown>;

/** Builds the PATCH `replace` operations that set every attribute the daemon owns on a user. */
export function userReplaceOperations(user: DesiredUser): PatchOperation[] {
  const operations: PatchOperation[] = [
    { op: 'replace', path: 'userName', value: user.userName },
    { op: 'replace', path: 'externalId', value: user.externalId },
    { op: 'replace', path: 'active', value: user.active },
    { op: 'replace', path: 'emails', value: [{ value: user.userName, type: 'work', primary: true }] },
  ];
  if (user.displayName !== undefined) {
    operations.push({ op: 'replace', path: 'displayName', value: user.displayName });
  }
  // NOTE: a name part the IdP no longer has is left as it is in Ably, not removed.
  if (user.givenName !== undefined) {
    operations.push({ op: 'replace', path: 'name.givenName', value: user.givenName });
  }
  if (user.familyName !== undefined) {
    operations.push({ op: 'replace', path: 'name.familyName', value: user.familyName });
  }
  return operations;
}

/** Overwrites the owned attributes of a User read for a PUT and keeps the rest. */
export function mergeUser(resource: ScimResource, user: DesiredUser): ScimResource {
  const owned = toScimUser(user);
  const currentName = asObject(resource.name);
  const name = toScimName(user);
  return {
    ...resource,
    ...owned,
    schemas: union(readSchemas(resource), owned.schemas),
    ...(name === undefined ? {} : { name: { ...currentName, ...name } }),
  };
}

/**
 * Reads a group's `members` entries as sent, nested groups included, so that a
 * PUT writes back every entry it does not mean to change.
 */
export function readMemberEntries(resource: ScimResource, path: string): { value: string }[] {
  parseMemberIds(resource.members, { method: 'GET', path });
  return Array.isArray(resource.members) ? (resource.members as { value: string }[]) : [];
}

/** Returns `value` when it is a JSON object, else an empty object. */
export function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Returns the distinct strings of both lists, in first-seen order. */
export function union(first: string[], second: string[]): string[] {
  return [...new Set([...first, ...second])];
}

/** Reads the string entries of a resource's `schemas`. */
export function readSchemas(resource: ScimResource): string[] {
  return Array.isArray(resource.schemas) ? resource.schemas.filter((schema): schema is string => typeof schema === 'string') : [];
}

/** Reads `meta.version`, the resource's ETag, when present. */
export function readVersion(resource: ScimResource): string | undefined {
  const meta = resource.meta;
  if (typeof meta !== 'object' || meta === null) {
    return undefined;
  }
  const version = (meta as Record<string, unknown>).version;
  return typeof version === 'string' ? version : undefined;
}

/** Drops `meta`, which is read-only (RFC 7643 section 3.1), from a PUT body. */
export function withoutMeta(resource: ScimResource): ScimResource {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

/** Checks that a GET body is a JSON object. Throws `FatalError` when it is not. */
export function asResource(body: unknown, path: string): ScimResource {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FatalError(`GET ${path} returned a body that is not a SCIM resource.`);
  }
  return body as ScimResource;
}
