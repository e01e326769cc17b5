import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { ScheduleInfo } from '@dagflow/engine';
import { type CliIo, ExitCode } from './commands.js';
import type { CommandTarget } from './command-target.js';

/** Options of `dagflow schedule add`. */
interface AddOptions {
  readonly cron?: string;
  readonly every?: number;
  readonly tz?: string;
  readonly data?: string;
  readonly json?: boolean;
}

/**
 * `dagflow schedule add|list|remove`: a flow's schedules, over Redis or the HTTP API like the other
 * commands. `target` is read when a command runs; each action hands its exit code to `exit`.
 */
export function addScheduleCommands(
  program: Command,
  parts: { readonly target: () => CommandTarget; readonly io: CliIo },
  exit: (code: number) => void,
): void {
  const { target, io } = parts;
  const schedule = program
    .command('schedule')
    .description("add, list or remove a flow's schedules (one request per tick)");
  schedule
    .command('add')
    .description('create or replace a schedule: give --cron or --every')
    .argument('<flow>')
    .argument('<id>', 'the schedule id within the flow')
    .option('--cron <pattern>', "a cron pattern, e.g. '0 9 * * 1-5'")
    .option('--every <ms>', 'a fixed interval in ms', milliseconds)
    .option('--tz <zone>', 'the time zone of --cron, e.g. Europe/Paris')
    .option('--data <data>', "the requests' input: JSON when it parses, else text")
    .option('--json', 'print the schedule as JSON')
    .action(async (flow: string, id: string, options: AddOptions) => {
      const info = await target().schedule(flow, {
        id,
        ...(options.cron === undefined ? {} : { cron: options.cron }),
        ...(options.every === undefined ? {} : { everyMs: options.every }),
        ...(options.tz === undefined ? {} : { tz: options.tz }),
        input: options.data === undefined ? null : jsonOrText(options.data),
      });
      io.out(options.json === true ? `${JSON.stringify(info)}\n` : `${line(info)}\n`);
      exit(ExitCode.OK);
    });
  schedule
    .command('list')
    .description("list the flow's schedules and their next run")
    .argument('<flow>')
    .option('--json', 'print the list as JSON')
    .action(async (flow: string, options: { json?: boolean }) => {
      const list = await target().listSchedules(flow);
      io.out(
        options.json === true
          ? `${JSON.stringify(list, null, 2)}\n`
          : list.map((info) => `${line(info)}\n`).join(''),
      );
      exit(ExitCode.OK);
    });
  schedule
    .command('remove')
    .description('remove a schedule; requests it started go on')
    .argument('<flow>')
    .argument('<id>')
    .option('--json', 'print {"id","removed"}')
    .action(async (flow: string, id: string, options: { json?: boolean }) => {
      await target().unschedule(flow, id);
      io.out(
        options.json === true ? `${JSON.stringify({ id, removed: true })}\n` : `removed ${id}\n`,
      );
      exit(ExitCode.OK);
    });
}

/** One schedule as a line: id, when, next run. */
function line(info: ScheduleInfo): string {
  const when = info.cron === undefined ? `every ${info.everyMs ?? '?'} ms` : `cron '${info.cron}'`;
  const tz = info.tz === undefined ? '' : ` ${info.tz}`;
  const next = info.next === undefined ? '' : `  next ${new Date(info.next).toISOString()}`;
  return `${info.id}  ${when}${tz}${next}`;
}

function milliseconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new InvalidArgumentError('It takes a whole number of milliseconds > 0.');
  return parsed;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
