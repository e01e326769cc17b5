import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { BULK_ACTIONS, type BulkAction, type BulkFilter } from '@dagflow/engine';
import { bulkBar, untilBulkCompleted } from './progress.js';
import { type CliIo, ExitCode } from './commands.js';
import type { CommandTarget } from './command-target.js';

/** Options of `dagflow bulk`. */
interface BulkOptions {
  readonly status?: BulkFilter['status'];
  readonly errorCode?: string;
  readonly node?: string;
  readonly version?: string;
  readonly createdAfter?: number;
  readonly createdBefore?: number;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * `dagflow bulk <flow> <action>`, over Redis or the HTTP API like the other commands, with a progress
 * bar on a terminal; the action hands its exit code to `exit`.
 */
export function addBulkCommands(
  program: Command,
  parts: { readonly target: () => CommandTarget; readonly io: CliIo },
  exit: (code: number) => void,
): void {
  const { target, io } = parts;
  program
    .command('bulk')
    .description(
      'apply stop, rerun, resume, migrate or delete to every request of the flow the filter matches',
    )
    .argument('<flow>')
    .argument('<action>', BULK_ACTIONS.join(' | '), bulkAction)
    .option('--status <status>', 'only requests in this status')
    .option('--error-code <code>', 'only requests whose error has this code')
    .option('--node <node>', 'only requests whose error names this node')
    .option('--version <version>', 'only requests on this flow version')
    .option(
      '--created-after <ms>',
      'only requests created at or after (ms since the epoch)',
      Number,
    )
    .option('--created-before <ms>', 'only requests created before (ms since the epoch)', Number)
    .option('--dry-run', 'only count the requests it would take')
    .option('--json', 'print the outcome as JSON')
    .action(async (flow: string, action: BulkAction, options: BulkOptions) => {
      const filter = filterOf(options);
      if (options.dryRun === true) {
        const dry = await target().bulk(flow, filter, action, { dryRun: true });
        io.out(
          options.json === true ? `${JSON.stringify(dry)}\n` : `${dry.matched} requests match\n`,
        );
        exit(ExitCode.OK);
        return;
      }
      const { id } = await target().startBulk(flow, filter, action);
      const progress = await untilBulkCompleted(
        () => target().bulkProgress(flow, id),
        (read) => {
          if (io.errIsTTY === true) io.err(`\r\u001b[2K${bulkBar(read)}`);
        },
      );
      if (io.errIsTTY === true) io.err('\n');
      const { matched, done, failed, failures } = progress;
      io.out(
        options.json === true
          ? `${JSON.stringify(progress)}\n`
          : `${action} ${id}: ${done} done, ${failed} failed of ${matched} matched\n${failures.map((f) => `  ${f.requestId} ${f.code}\n`).join('')}`,
      );
      exit(failed === 0 ? ExitCode.OK : ExitCode.FAILED);
    });
}

function filterOf(options: BulkOptions): BulkFilter {
  return {
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode }),
    ...(options.node === undefined ? {} : { node: options.node }),
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.createdAfter === undefined ? {} : { createdAfter: options.createdAfter }),
    ...(options.createdBefore === undefined ? {} : { createdBefore: options.createdBefore }),
  };
}

function bulkAction(value: string): BulkAction {
  if (!(BULK_ACTIONS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${BULK_ACTIONS.join(', ')}`);
  return value as BulkAction;
}
