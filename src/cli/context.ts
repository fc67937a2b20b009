import { loadConfigFile, readSecrets, type Secrets } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../logging.js';

/** The configuration file used when `--config` is not given. */
export const DEFAULT_CONFIG_PATH = process.env.ABLY_IDP_SYNC_CONFIG ?? 'config/ably-idp-sync.yaml';

export interface CommandContext {
  config: Config;
  secrets: Secrets;
  logger: Logger;
}

/** Loads the configuration and its secrets; a ConfigurationError here names the key and the fix. */
export function loadContext(configPath: string): CommandContext {
  const config = loadConfigFile(configPath);
  const secrets = readSecrets(config);
  const logger = createLogger({ level: config.logging.level });
  return { config, secrets, logger };
}
