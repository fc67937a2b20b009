import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Returns the folder of the public recordings and examples the local servers
 * are checked against: FIXTURES_DIR when set, else `shared/fixtures` beside
 * the repository. Throws a clear error when neither exists, because a test
 * that silently skipped its fixtures would prove nothing.
 */
export function fixturesDirectory(): string {
  const directory = process.env.FIXTURES_DIR ?? resolve(REPOSITORY_ROOT, '..', 'shared', 'fixtures');
  if (!existsSync(join(directory, 'SOURCES.md'))) {
    throw new Error(
      `Test fixtures not found at ${directory}. Place the shared/ folder beside the repository, or set FIXTURES_DIR to the fixtures folder.`,
    );
  }
  return directory;
}

/** Returns the path of one fixture file, relative to the fixtures folder. */
export function fixturePath(relativePath: string): string {
  return join(fixturesDirectory(), relativePath);
}
