import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/config/duration.js';
import { loadConfigFile, parseConfig, readSecrets } from '../../src/config/load.js';
import { readSecret, Secret } from '../../src/config/secret.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { createLogger } from '../../src/logging.js';

const SAMPLE = readFileSync(new URL('../../config/sample.yaml', import.meta.url), 'utf8');

/** Returns the message of the ConfigurationError that `action` throws. */
function configurationError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('configuration loading', () => {
  it('accepts every shipped configuration', () => {
    for (const name of ['sample.yaml', 'okta.example.yaml', 'entra.example.yaml']) {
      const config = loadConfigFile(new URL(`../../config/${name}`, import.meta.url).pathname, {});
      expect(config.mapping.groups.length).toBeGreaterThan(0);
    }
  });

  it('fills defaults', () => {
    const config = parseConfig(SAMPLE, 'sample', {});
    expect(config.policy.deprovision.mode).toBe('deactivate');
    expect(config.policy.deprovision.gracePeriod).toBe('30d');
    expect(config.policy.adoptExisting).toBe(true);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.server.adminTokenEnv).toBe('ADMIN_TOKEN');
  });

  it('lets REDIS_URL override redis.url', () => {
    const config = parseConfig(SAMPLE, 'sample', { REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.redis.url).toBe('redis://127.0.0.1:6390');
  });

  it('names an unknown key and the fix', () => {
    const message = configurationError(() => parseConfig(`${SAMPLE}\npolicyy: {}\n`, 'typo.yaml', {}));
    expect(message).toContain('typo.yaml');
    expect(message).toContain('unknown key "policyy"');
    expect(message).toContain('check its spelling');
  });

  it('names a missing section', () => {
    const withoutAbly = SAMPLE.replace(/^ably:\n(  .*\n)+/m, '');
    const message = configurationError(() => parseConfig(withoutAbly, 'missing.yaml', {}));
    expect(message).toContain('ably: missing. Add it');
  });

  it('rejects a wrong value with its key', () => {
    const message = configurationError(() => parseConfig(SAMPLE.replace('fullSyncEvery: 15m', 'fullSyncEvery: soon'), 'bad.yaml', {}));
    expect(message).toContain('schedule.fullSyncEvery');
    expect(message).toContain('duration such as 30s');
  });

  it('refuses Owner in a mapping', () => {
    const message = configurationError(() => parseConfig(SAMPLE.replace('roles: [Billing]', 'roles: [Owner]'), 'owner.yaml', {}));
    expect(message).toMatch(/mapping\.groups\.4\.accounts\.0\.roles: Owner cannot be granted through a group/);
    expect(message).toContain('map Admin instead');
  });

  it('refuses an account missing from organization.accounts', () => {
    const message = configurationError(() => parseConfig(SAMPLE.replace('account: acc-dev, roles: [Developer]', 'account: acc-qa, roles: [Developer]'), 'acc.yaml', {}));
    expect(message).toContain('"acc-qa" is not listed in organization.accounts');
  });

  it('refuses an invalid group pattern', () => {
    const message = configurationError(() => parseConfig(SAMPLE.replace('pattern: "Support|Security"', 'pattern: "Support(|"'), 'pattern.yaml', {}));
    expect(message).toContain('is not a valid regular expression');
  });

  it('reports invalid YAML with its origin', () => {
    const message = configurationError(() => parseConfig('source: [unclosed', 'broken.yaml', {}));
    expect(message).toContain('Invalid YAML in broken.yaml');
  });

  it('names a configuration file it cannot read', () => {
    const message = configurationError(() => loadConfigFile('/nonexistent/ably-idp-sync.yaml', {}));
    expect(message).toContain('/nonexistent/ably-idp-sync.yaml');
    expect(message).toContain('--config');
  });

  it('requires Entra credentials', () => {
    const entra = readFileSync(new URL('../../config/entra.example.yaml', import.meta.url), 'utf8').replace('clientSecretEnv: ENTRA_CLIENT_SECRET', '');
    const message = configurationError(() => parseConfig(entra, 'entra.yaml', {}));
    expect(message).toContain('set clientSecretEnv or certificatePathEnv');
  });
});

describe('secrets', () => {
  it('reads a secret from the environment', () => {
    expect(readSecret('TOKEN', { TOKEN: 'abc' }).reveal()).toBe('abc');
  });

  it('reads a secret from a _FILE variable without the trailing newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'secret-')), 'token');
    writeFileSync(file, 's3cret\n');
    expect(readSecret('TOKEN', { TOKEN_FILE: file }).reveal()).toBe('s3cret');
  });

  it('names the variable of a missing secret', () => {
    const message = configurationError(() => readSecret('OKTA_API_TOKEN', {}));
    expect(message).toContain('OKTA_API_TOKEN');
    expect(message).toContain('OKTA_API_TOKEN_FILE');
  });

  it('refuses both a variable and its _FILE', () => {
    const message = configurationError(() => readSecret('TOKEN', { TOKEN: 'a', TOKEN_FILE: '/tmp/x' }));
    expect(message).toContain('Set only one of them');
  });

  it('reads every secret a configuration names', () => {
    const config = parseConfig(SAMPLE, 'sample', {});
    const secrets = readSecrets(config, { OKTA_API_TOKEN: 't', ABLY_SCIM_USERNAME: 'u', ABLY_SCIM_PASSWORD: 'p' });
    expect(secrets.oktaToken?.reveal()).toBe('t');
    expect(secrets.scimPassword.reveal()).toBe('p');
    expect(secrets.adminToken).toBeUndefined();
  });

  it('never prints a secret', () => {
    const secret = new Secret('do-not-print-me');
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    logger.info({ secret, nested: { password: 'plain-password', authorization: 'Basic abc' } }, 'logged');

    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ secret })).not.toContain('do-not-print-me');
    expect(inspect(secret)).not.toContain('do-not-print-me');
    expect(lines.join('')).not.toContain('do-not-print-me');
    expect(lines.join('')).not.toContain('plain-password');
    expect(lines.join('')).not.toContain('Basic abc');
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['6h', 21_600_000],
    ['30d', 2_592_000_000],
  ])('parses %s', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected);
  });

  it('rejects a duration without a unit', () => {
    expect(() => parseDurationMs('15')).toThrow(/use a number and a unit/);
  });
});
