import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line. Secrets are also wrapped in `Secret`,
 * which prints as `[redacted]`; these paths catch what arrives as plain strings,
 * such as HTTP headers inside SDK errors. `*.x` matches one level only, so
 * nested error paths are listed on their own.
 */
export const REDACT_PATHS = [
  'password',
  'token',
  'clientSecret',
  'authorization',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.clientSecret',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'err.config.headers.authorization',
  'err.request.headers.authorization',
  'err.response.request.headers.authorization',
  'err.headers.authorization',
];

/** Creates the root logger; every run and job logs through a child of it. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'ably-idp-sync' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
