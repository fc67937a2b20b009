import { startEmulator } from '../emulator/index.js';
import { loadConfigFile } from '../config/load.js';
import { createLogger } from '../logging.js';

/**
 * Serves the Ably organization emulator until SIGTERM or SIGINT. The
 * organization (domain, accounts) comes from a configuration file; the SCIM
 * credentials from ABLY_SCIM_USERNAME and ABLY_SCIM_PASSWORD, as the daemon
 * reads them.
 */
export async function emulatorCommand(options: {
  config: string;
  host: string;
  port: number;
  dataFile?: string;
  noRoleExtension?: boolean;
}): Promise<number> {
  const config = loadConfigFile(options.config);
  const logger = createLogger({ level: config.logging.level });
  const username = process.env.ABLY_SCIM_USERNAME ?? 'scim';
  const password = process.env.ABLY_SCIM_PASSWORD ?? 'scim-password';

  const emulator = await startEmulator({
    host: options.host,
    port: options.port,
    domain: config.organization.domain,
    allowSubdomains: config.organization.allowSubdomains,
    accounts: config.organization.accounts,
    primaryAccount: config.organization.primaryAccount,
    credentials: { username, password },
    dataFile: options.dataFile,
    roleExtension: !options.noRoleExtension,
    roleExtensionUrn: config.ably.roleExtensionUrn,
    logger,
  });
  logger.info({ scimBaseUrl: emulator.scimBaseUrl, adminPage: `${emulator.url}/admin`, dataFile: options.dataFile ?? null }, 'emulator listening');
  process.stdout.write(`SCIM base URL: ${emulator.scimBaseUrl}\nAdmin page:    ${emulator.url}/admin (HTTP Basic, the SCIM credentials)\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await emulator.close();
  return 0;
}
