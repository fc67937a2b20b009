import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { DirectoryConnector, DirectorySnapshot } from '../../domain/directory.js';
import { ConfigurationError } from '../../errors/index.js';

const userSchema = z.object({
  externalId: z.string().min(1),
  login: z.string().min(1),
  email: z.string().min(3).optional(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  displayName: z.string().optional(),
  lifecycle: z.enum(['active', 'suspended', 'deprovisioned', 'pending']),
  sourceStatus: z.string().default('file'),
});

const fileSchema = z.object({
  users: z.array(userSchema),
  groups: z.array(z.object({ externalId: z.string().min(1), name: z.string().min(1), memberIds: z.array(z.string()) })),
});

/**
 * Reads a directory from a JSON file with `users` and `groups` in the shape of
 * a snapshot. Meant for rehearsing a mapping and for IdPs without a connector.
 */
export function createFileConnector(path: string): DirectoryConnector {
  return {
    source: 'file',
    async readFull(): Promise<DirectorySnapshot> {
      const readAt = new Date().toISOString();
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        throw new ConfigurationError(`Cannot read the directory file ${path} as JSON. Check source.path.`, { cause: error });
      }
      const result = fileSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new ConfigurationError(
          `Invalid directory file ${path}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}. Fix that entry.`,
        );
      }
      return { source: 'file', ...result.data, isComplete: true, incompleteReasons: [], skipped: [], readAt };
    },
  };
}
