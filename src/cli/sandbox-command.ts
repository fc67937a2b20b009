import { startEmulator } from '../emulator/index.js';
import { loadConfigFile } from '../config/load.js';
import { createLogger } from '../logging.js';
import { startOktaServer } from '../sandbox/okta-server.js';
import { createSampleDirectory } from '../sandbox/sample-directory.js';

/** Credentials the sandbox uses when the environment sets none. For local rehearsal only. */
export const SANDBOX_DEFAULTS = {
  oktaToken: 'sandbox-okta-token',
  scimUsername: 'scim',
  scimPassword: 'scim-password',
} as const;

/**
 * Serves a rehearsal target until SIGTERM or SIGINT: the sample Okta
 * directory on one port and the Ably emulator on another, at the addresses
 * `config/sample.yaml` names, so `run --config config/sample.yaml` works
 * against them unchanged. Credentials come from the same variables the
 * daemon reads, with local defaults.
 */
export async function sandboxCommand(options: {
  config: string;
  oktaPort: number;
  scimPort: number;
  users: number;
  dataFile?: string;
}): Promise<number> {
  const config = loadConfigFile(options.config);
  const logger = createLogger({ level: config.logging.level });
  const oktaToken = process.env.OKTA_API_TOKEN ?? SANDBOX_DEFAULTS.oktaToken;
  const username = process.env.ABLY_SCIM_USERNAME ?? SANDBOX_DEFAULTS.scimUsername;
  const password = process.env.ABLY_SCIM_PASSWORD ?? SANDBOX_DEFAULTS.scimPassword;

  const okta = await startOktaServer({
    directory: createSampleDirectory({ userCount: options.users, domain: config.organization.domain }),
    token: oktaToken,
    port: options.oktaPort,
  });
  const emulator = await startEmulator({
    port: options.scimPort,
    domain: config.organization.domain,
    allowSubdomains: config.organization.allowSubdomains,
    accounts: config.organization.accounts,
    primaryAccount: config.organization.primaryAccount,
    credentials: { username, password },
    dataFile: options.dataFile,
    roleExtensionUrn: config.ably.roleExtensionUrn,
    logger,
  });

  const lines = [
    `Okta (sample directory, ${options.users} users): ${okta.url}`,
    `Ably emulator SCIM base URL:  ${emulator.scimBaseUrl}`,
    `Emulator admin page:          ${emulator.url}/admin (user ${username})`,
    '',
    'To sync into it from another shell:',
    ...(process.env.OKTA_API_TOKEN ? [] : [`  export OKTA_API_TOKEN=${SANDBOX_DEFAULTS.oktaToken}`]),
    ...(process.env.ABLY_SCIM_USERNAME ? [] : [`  export ABLY_SCIM_USERNAME=${SANDBOX_DEFAULTS.scimUsername}`]),
    ...(process.env.ABLY_SCIM_PASSWORD ? [] : [`  export ABLY_SCIM_PASSWORD=${SANDBOX_DEFAULTS.scimPassword}`]),
    `  npx tsx src/cli/main.ts plan --config ${options.config}`,
    ...(options.oktaPort === 8081 && options.scimPort === 8082
      ? []
      : [`  (with these ports, set source.orgUrl to ${okta.url} and ably.scimBaseUrl to ${emulator.scimBaseUrl} in a copy of the configuration)`]),
    '',
    'Press Ctrl+C to stop.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await okta.close();
  await emulator.close();
  return 0;
}
