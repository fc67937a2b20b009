import { parseArgs } from 'node:util';
import { ConfigurationError } from '../errors/index.js';
import { createLogger } from '../logging.js';
import { startEmulator } from './index.js';

/**
 * Runs the emulator as a process, for the persistence tests and for quick
 * manual use: `node --import tsx src/emulator/main.ts --port 8080
 * --data-file ./emulator.sqlite`. It serves a fixed organization
 * (`--domain`, default example.com; accounts `production` (primary),
 * `staging`, `development`). The SCIM credentials come from
 * ABLY_SCIM_USERNAME and ABLY_SCIM_PASSWORD (defaults `scim` and
 * `scim-password`, for local use only). The `ably-idp-sync emulator`
 * command serves an organization from a configuration file instead.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'data-file': { type: 'string' },
      domain: { type: 'string', default: 'example.com' },
      'allow-subdomains': { type: 'boolean', default: false },
      'no-role-extension': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigurationError(`--port must be an integer from 0 to 65535, got "${values.port}"`);
  }
  const logger = createLogger();
  const emulator = await startEmulator({
    host: values.host,
    port,
    domain: values.domain,
    allowSubdomains: values['allow-subdomains'],
    accounts: [
      { id: 'production', name: 'Production' },
      { id: 'staging', name: 'Staging' },
      { id: 'development', name: 'Development' },
    ],
    primaryAccount: 'production',
    credentials: { username: process.env.ABLY_SCIM_USERNAME ?? 'scim', password: process.env.ABLY_SCIM_PASSWORD ?? 'scim-password' },
    dataFile: values['data-file'],
    roleExtension: !values['no-role-extension'],
    logger,
  });

  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'emulator close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  createLogger().fatal({ err: error }, 'emulator failed to start');
  process.exit(1);
});
