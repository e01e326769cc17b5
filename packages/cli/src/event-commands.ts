import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type CliIo, ExitCode, jsonOrText } from './commands.js';
import type { CommandTarget } from './command-target.js';

/**
 * `dagflow emit <event> [data]` and `dagflow signal-url <flow> <requestId> <signal>`: events for the
 * steps that wait for them, and signal URLs for third parties, over Redis or the HTTP API like the
 * other request commands. Each action hands its exit code to `exit`.
 */
export function addEventCommands(
  program: Command,
  parts: { readonly target: () => CommandTarget; readonly io: CliIo },
  exit: (code: number) => void,
): void {
  const { target, io } = parts;
  program
    .command('emit')
    .description(
      'emit an event: every step waiting for it (dag.waitFor) whose match its data satisfies ' +
        'completes with the data; prints how many did',
    )
    .argument('<event>')
    .argument('[data]', 'the data, JSON (else text); none is null')
    .option('--json', 'print the result as JSON')
    .action(async (event: string, data: string | undefined, options: { json?: boolean }) => {
      const { delivered } = await target().emit(
        event,
        data === undefined ? null : jsonOrText(data),
      );
      io.out(
        options.json === true
          ? `${JSON.stringify({ event, delivered })}\n`
          : `${event}: delivered to ${delivered} waiting step${delivered === 1 ? '' : 's'}\n`,
      );
      exit(ExitCode.OK);
    });
  program
    .command('signal-url')
    .description(
      'print a URL that delivers the signal once, without a token (POST the payload to it); needs ' +
        'DAGFLOW_SIGNING_KEY where it is made (here over Redis, the server over DAGFLOW_URL)',
    )
    .argument('<flow>')
    .argument('<requestId>')
    .argument('<signal>', 'the signal node (its path)')
    .option('--expires <ms>', 'milliseconds the URL may be used in (default 24 hours)', positive)
    .action(
      async (flow: string, requestId: string, signal: string, options: { expires?: number }) => {
        const expiry = options.expires === undefined ? {} : { expiresInMs: options.expires };
        io.out(`${await target().signalUrl(flow, requestId, signal, expiry)}\n`);
        exit(ExitCode.OK);
      },
    );
}

function positive(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidArgumentError('must be a positive integer of milliseconds');
  return value;
}
