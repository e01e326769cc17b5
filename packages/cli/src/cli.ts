import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DagflowError, ErrorCode, FlowService, type RequestState } from '@dagflow/engine';
import { httpApi, startTelemetry } from '@dagflow/server';
import { describeAsText } from './describe-text.js';
import { type CommandTarget, HttpClient } from './http-client.js';

/** Exit codes scripts can rely on. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 3 } as const;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const HELP = `dagflow: run and control dagflow workflows

Usage:
  dagflow server                           HTTP API for every flow in the registry (PORT, default 8080)
  dagflow worker <module>                  run the flows of <module> (it exports register(service))
  dagflow run <flow> [--data D | --file F] [--wait [SECONDS]] [--request-id ID]
                                           execute; D and the file's content are JSON when they parse,
                                           else text; --wait shows progress and prints the result
  dagflow status <flow> <requestId>        the request's state as JSON
  dagflow pause|resume|stop|rerun <flow> <requestId>
  dagflow flows                            flows, versions and live workers per queue
  dagflow describe <flow>                  the flow's DAG as text

Environment: REDIS_URL (redis://127.0.0.1:6379), DAGFLOW_PREFIX (dagflow), PORT (8080), LOG_LEVEL.
With DAGFLOW_URL (e.g. https://dagflow.example.com) run, status, pause|resume|stop|rerun, flows and
describe go through the HTTP API instead of Redis, sending DAGFLOW_TOKEN as bearer token.
Exit codes: 0 done; 1 the request failed or was stopped, or the command failed (its error code is
printed); 2 bad usage; 3 --wait ran out while the request goes on.
`;

class UsageError extends Error {}

/** Runs one CLI command and answers its exit code (long-running commands answer when stopped). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(HELP);
    return command === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(HELP);
    return ExitCode.OK;
  }
  // Traces go where the OTEL_* variables say, for the long-running commands.
  const telemetry =
    command === 'server' || command === 'worker' ? await startTelemetry(io.env) : undefined;
  const service = new FlowService({
    logLevel: (io.env['LOG_LEVEL'] as 'warn' | undefined) ?? 'warn',
    http: httpApi(),
  });
  const url = io.env['DAGFLOW_URL'];
  const target =
    url === undefined || url === ''
      ? service
      : new HttpClient(url, io.env['DAGFLOW_TOKEN'] || undefined);
  try {
    return await dispatch(command, rest, { service, target }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\nRun 'dagflow --help' for usage.\n`);
      return ExitCode.USAGE;
    }
    if (error instanceof DagflowError) {
      io.err(`error ${error.code}: ${error.message}\n`);
      return error.code === ErrorCode.WAIT_TIMEOUT ? ExitCode.TIMEOUT : ExitCode.FAILED;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.FAILED;
  } finally {
    await service.close();
    await telemetry?.shutdown();
  }
}

async function dispatch(
  command: string,
  args: readonly string[],
  { service, target }: { service: FlowService; target: CommandTarget },
  io: CliIo,
): Promise<number> {
  switch (command) {
    case 'server':
      await service.startServer();
      io.err(`dagflow server listening on port ${service.httpPort ?? '?'}\n`);
      await untilSignal();
      return ExitCode.OK;
    case 'worker':
      return worker(service, args, io);
    case 'run':
      return run(target, args, io);
    case 'status': {
      const [flow, id] = positionals(args, 2, 'status <flow> <requestId>');
      io.out(`${JSON.stringify(await target.state(flow, id), null, 2)}\n`);
      return ExitCode.OK;
    }
    case 'pause':
    case 'resume':
    case 'stop':
    case 'rerun': {
      const [flow, id] = positionals(args, 2, `${command} <flow> <requestId>`);
      await target[command](flow, id);
      io.out(`${command}: request ${id} is ${(await target.state(flow, id)).status}\n`);
      return ExitCode.OK;
    }
    case 'flows':
      positionals(args, 0, 'flows');
      for (const flow of await target.flows()) {
        const workers = Object.entries(flow.workers).map(
          ([queue, n]) => `${queue === '' ? 'flow' : queue}: ${n}`,
        );
        io.out(
          `${flow.name}  version ${flow.version}  ${flow.nodes} nodes  workers ${workers.join(', ') || 'none'}\n`,
        );
      }
      return ExitCode.OK;
    case 'describe': {
      const [flow] = positionals(args, 1, 'describe <flow>');
      io.out(`${describeAsText(await target.describe(flow)).join('\n')}\n`);
      return ExitCode.OK;
    }
    default:
      throw new UsageError(`Unknown command '${command}'.`);
  }
}

async function worker(service: FlowService, args: readonly string[], io: CliIo): Promise<number> {
  const [module] = positionals(args, 1, 'worker <module>');
  const loaded = (await import(pathToFileURL(resolve(module)).href)) as {
    register?: (service: FlowService) => unknown;
  };
  if (typeof loaded.register !== 'function') {
    throw new UsageError(
      `Module '${module}' must export a function register(service) that registers its flows.`,
    );
  }
  await loaded.register(service);
  await service.startWorker();
  io.out(`dagflow worker ${process.pid} ready\n`);
  await untilSignal();
  return ExitCode.OK;
}

async function run(service: CommandTarget, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals: rest } = parse(
    args,
    {
      data: { type: 'string' },
      file: { type: 'string' },
      wait: { type: 'string' },
      'request-id': { type: 'string' },
    },
    true,
  );
  const [flow] = exactly(rest, 1, 'run <flow> [--data D | --file F] [--wait [SECONDS]]');
  if (values.data !== undefined && values.file !== undefined)
    throw new UsageError('Give --data or --file, not both.');
  const text = values.file !== undefined ? await readFile(values.file, 'utf8') : values.data;
  const input = text === undefined ? null : jsonOrText(text);
  const requestId = await service.execute(
    flow,
    input,
    values['request-id'] === undefined ? {} : { requestId: values['request-id'] },
  );
  if (values.wait === undefined) {
    io.out(`${requestId}\n`);
    return ExitCode.OK;
  }
  const seconds = values.wait === '' ? 60 : Number(values.wait);
  if (!(seconds > 0))
    throw new UsageError(`--wait takes a number of seconds > 0 (got '${values.wait}').`);
  io.err(`request ${requestId}\n`);
  const progress = setInterval(() => void report(service, flow, requestId, io), 250);
  try {
    const result = await service.waitForResult(flow, requestId, { timeoutMs: seconds * 1000 });
    await report(service, flow, requestId, io);
    io.out(
      Buffer.isBuffer(result)
        ? result.toString('utf8')
        : typeof result === 'string'
          ? `${result}\n`
          : `${JSON.stringify(result, null, 2)}\n`,
    );
    return ExitCode.OK;
  } finally {
    clearInterval(progress);
  }
}

async function report(
  service: CommandTarget,
  flow: string,
  requestId: string,
  io: CliIo,
): Promise<void> {
  const state: RequestState | undefined = await service
    .state(flow, requestId)
    .catch(() => undefined);
  if (state === undefined) return;
  const nodes = Object.values(state.nodes);
  io.err(
    `${nodes.filter((node) => node.status === 'completed').length}/${nodes.length} nodes done (${state.status})\n`,
  );
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

type Options = Parameters<typeof parseArgs>[0] extends infer T
  ? T extends { options?: infer O }
    ? O
    : never
  : never;

function parse(args: readonly string[], options: NonNullable<Options>, allowPositionals: boolean) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true }) as {
      values: Record<string, string | undefined>;
      positionals: string[];
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function positionals(args: readonly string[], count: 0 | 1 | 2, usage: string): [string, string] {
  return exactly(parse(args, {}, true).positionals, count, usage);
}

/** The positional arguments, when there are exactly `count` (unused places are ''). */
function exactly(values: readonly string[], count: 0 | 1 | 2, usage: string): [string, string] {
  if (values.length !== count) throw new UsageError(`Usage: dagflow ${usage}`);
  return [values[0] ?? '', values[1] ?? ''];
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
