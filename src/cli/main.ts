#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { SyncError } from '../errors/index.js';
import { createLogger } from '../logging.js';
import { approveCommand } from './approve-command.js';
import { DEFAULT_CONFIG_PATH } from './context.js';
import { demoCommand } from './demo-command.js';
import { DEMO_SOURCES, type DemoSourceKind } from './demo-sources.js';
import { emulatorCommand } from './emulator-command.js';
import { planCommand, type PlanFormat } from './plan-command.js';
import { runCommand } from './run-command.js';
import { sandboxCommand } from './sandbox-command.js';

const program = new Command()
  .name('ably-idp-sync')
  .description('Keeps an Ably organization in step with Okta or Microsoft Entra ID over SCIM 2.0.')
  .showHelpAfterError();

const configOption = () =>
  new Option('-c, --config <path>', 'the YAML configuration file').default(DEFAULT_CONFIG_PATH);

program
  .command('run')
  .description('run the daemon: scheduled syncs, operation workers, dashboard, health and metrics')
  .addOption(configOption())
  .option('--once', 'run one full sync through the queues, then exit')
  .action(async (options: { config: string; once?: boolean }) => exit(await runCommand(options)));

program
  .command('plan')
  .description('print the plan a full sync would apply now, without changing anything (exit 0: no changes, 2: changes pending, 3: held for approval, 1: error)')
  .addOption(configOption())
  .addOption(new Option('-f, --format <format>', 'report format').choices(['markdown', 'json', 'html']).default('markdown'))
  .option('-o, --output <file>', 'write the report to a file instead of stdout')
  .action(async (options: { config: string; format: PlanFormat; output?: string }) => exit(await planCommand(options)));

program
  .command('approve')
  .description('approve a plan held by a safety threshold, and enqueue the sync that applies it')
  .argument('<planId>', 'the id of the held plan, as shown in its report')
  .addOption(configOption())
  .requiredOption('--by <name>', 'who approves, for the audit log')
  .action(async (planId: string, options: { config: string; by: string }) =>
    exit(await approveCommand({ config: options.config, planId, approvedBy: options.by })),
  );

program
  .command('emulator')
  .description('serve the Ably organization emulator (SCIM 2.0 under /scim/v2, admin page under /admin)')
  .addOption(configOption().default('config/sample.yaml'))
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('-p, --port <port>', 'port to listen on', parsePort, 8082)
  .option('--data-file <path>', 'keep the organization in this file across restarts')
  .option('--no-role-extension', 'serve without the group→account role extension, as a provider without it would')
  .action(async (options: { config: string; host: string; port: number; dataFile?: string; roleExtension: boolean }) =>
    exit(await emulatorCommand({ ...options, noRoleExtension: !options.roleExtension })),
  );

program
  .command('sandbox')
  .description('serve the sample Okta directory and the emulator at the addresses config/sample.yaml names, to rehearse a mapping')
  .addOption(configOption().default('config/sample.yaml'))
  .option('--okta-port <port>', 'port of the local Okta server', parsePort, 8081)
  .option('--scim-port <port>', 'port of the emulator', parsePort, 8082)
  .option('--users <count>', 'number of sample users', parsePositive, 520)
  .option('--data-file <path>', 'keep the emulated organization in this file across restarts')
  .action(async (options: { config: string; oktaPort: number; scimPort: number; users: number; dataFile?: string }) =>
    exit(await sandboxCommand(options)),
  );

program
  .command('demo')
  .description('sync a sample Okta or Entra ID directory into the emulator through BullMQ and print what changed')
  .addOption(new Option('--source <idp>', 'the identity provider the local sample directory imitates').choices(DEMO_SOURCES).default('okta'))
  .option('--keep-running', 'keep the emulator, the local identity provider and the dashboard running afterwards')
  .option('--users <count>', 'number of sample users', parsePositive, 520)
  .action(async (options: { keepRunning?: boolean; users: number; source: DemoSourceKind }) => exit(await demoCommand(options)));

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  }
  return port;
}

function parsePositive(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError('must be a whole number above 0.');
  }
  return count;
}

/** Returns the message of a known error, written for the operator, or the stack of anything else, which is a bug. */
function describeError(error: unknown): string {
  if (error instanceof SyncError) {
    return error.message;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
    const problem = code === 'EADDRINUSE' ? 'is already in use' : 'needs more privileges than this process has';
    return `Cannot listen on ${address ?? 'the address'}:${port ?? '?'}: the port ${problem}. Choose another port (the command's port option, or server.port for run) or stop the process that holds it.`;
  }
  if (error instanceof Error) {
    return error.stack ?? error.message;
  }
  return String(error);
}

function exit(code: number): void {
  process.exitCode = code;
}

process.on('uncaughtException', (error) => {
  createLogger().fatal({ err: error }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  createLogger().fatal({ err: reason }, 'unhandled promise rejection');
  process.exit(1);
});

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`error: ${describeError(error)}\n`);
  // Servers or connections opened before the failure would keep the process alive.
  process.exit(1);
}
