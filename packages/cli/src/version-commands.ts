import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type CliIo, ExitCode } from './commands.js';
import type { CommandTarget } from './command-target.js';
import { UsageError } from './usage-error.js';
import { bulkMigrationText, migrationText, versionsTable } from './version-text.js';

/** Options of `dagflow migrate`. */
interface MigrateOptions {
  readonly from?: string;
  readonly json?: boolean;
}

/**
 * `dagflow versions <flow>` and `dagflow migrate <flow> <requestId> | --from <version>`: a flow's
 * versions and moving requests to its current one, over Redis or the HTTP API like the other
 * commands. `target` is read when a command runs; each action hands its exit code to `exit`.
 */
export function addVersionCommands(
  program: Command,
  parts: { readonly target: () => CommandTarget; readonly io: CliIo },
  exit: (code: number) => void,
): void {
  const { target, io } = parts;
  program
    .command('versions')
    .description(
      "list a flow's versions: current, live requests, drained (safe to switch off), and nodes no " +
        'live worker can run',
    )
    .argument('<flow>')
    .option('--json', 'print the list as JSON')
    .action(async (flow: string, options: { json?: boolean }) => {
      const list = await target().versions(flow);
      io.out(
        options.json === true
          ? `${JSON.stringify(list, null, 2)}\n`
          : `${versionsTable(list).join('\n')}\n`,
      );
      exit(ExitCode.OK);
    });
  program
    .command('migrate')
    .description(
      "move a request, or with --from every request of an old version, to the flow's current " +
        'version; prints what changed (exit 1 if any request could not be migrated)',
    )
    .argument('<flow>')
    .argument('[requestId]', 'the request to migrate')
    .option('--from <version>', 'migrate every request of this old version', flowVersion)
    .option('--json', 'print the result as JSON')
    .action(async (flow: string, requestId: string | undefined, options: MigrateOptions) => {
      const json = options.json === true;
      if ((requestId === undefined) === (options.from === undefined))
        throw new UsageError('Give either a request id or --from <version>.');
      if (requestId !== undefined) {
        const result = await target().migrate(flow, requestId);
        io.out(json ? `${JSON.stringify(result)}\n` : `${migrationText(result).join('\n')}\n`);
        exit(ExitCode.OK);
        return;
      }
      const result = await target().migrateAll(flow, { from: options.from ?? '' });
      io.out(json ? `${JSON.stringify(result)}\n` : `${bulkMigrationText(result).join('\n')}\n`);
      exit(result.failed.length === 0 ? ExitCode.OK : ExitCode.FAILED);
    });
}

/**
 * A flow version given on the command line (`migrate --from`, `describe <flow> [version]`): 12
 * lowercase hex digits, as `dagflow versions` lists them.
 */
export function flowVersion(value: string): string {
  if (!/^[0-9a-f]{12}$/.test(value))
    throw new InvalidArgumentError('It takes a flow version: 12 lowercase hex digits.');
  return value;
}
