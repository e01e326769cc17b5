import { readFileSync } from 'node:fs';
import { DagflowError, type Env, ErrorCode, FlowClient, FlowService } from '@dagflow/engine';
import { httpApi, startTelemetry, type Telemetry } from '@dagflow/server';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  type CliIo,
  control,
  describe,
  ExitCode,
  flows,
  run,
  type RunOptions,
  untilSignal,
  worker,
} from './commands.js';
import type { CommandTarget } from './command-target.js';
import { HttpClient } from './http-client.js';
import { addScheduleCommands } from './schedule-commands.js';
import { addEventCommands } from './event-commands.js';
import { UsageError } from './usage-error.js';
import { addVersionCommands, flowVersion } from './version-commands.js';
import { addBulkCommands } from './bulk-commands.js';

/** Options of `dagflow pause|resume|stop|rerun`. */
interface ControlOptions {
  readonly json?: boolean;
  readonly from?: string;
  readonly input?: string;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const FOOTER = `
Environment: REDIS_URL (redis://127.0.0.1:6379), REDIS_CLUSTER_NODES (host:port,... seeds; wins over REDIS_URL), DAGFLOW_PARTITIONS, DAGFLOW_PREFIX (dagflow), PORT (8080), LOG_LEVEL, DAGFLOW_SIGNING_KEY (id:secret,... for signal URLs), DAGFLOW_PUBLIC_URL.
Each command reads only the variables of its role (server: PORT, HOST, tokens, ...; worker:
WORKER_CONCURRENCY, ...); a malformed one fails it at start with INVALID_CONFIG naming the variable.
server and worker serve their Prometheus metrics at /metrics on METRICS_PORT when it is set (bound to
METRICS_HOST, default 127.0.0.1).
With DAGFLOW_URL (e.g. https://dagflow.example.com) run, status, pause|resume|stop|rerun, flows,
describe, schedule, versions, migrate, emit and signal-url go through the HTTP API instead of Redis, sending
DAGFLOW_TOKEN as bearer token.
Exit codes: 0 done; 1 the request failed or was stopped, or the command failed (its error code is
printed); 2 bad usage; 3 --wait ran out while the request goes on.
`;

/**
 * The service or client and command target of one CLI run, made on first use and closed after it.
 * Each reads its configuration from the CLI's environment (`LOG_LEVEL` defaults to `warn` here): the
 * request commands use a `FlowClient`, which reads only the client variables, so a malformed `PORT`
 * or worker setting fails `server` and `worker`, never `status`.
 */
class Session {
  #service: FlowService | undefined;
  #client: FlowClient | undefined;
  #telemetry: Telemetry | undefined;

  constructor(private readonly io: CliIo) {}

  /** The environment the engine reads: the CLI's, with `LOG_LEVEL` `warn` unless set. */
  get #env(): Env {
    return { ...this.io.env, LOG_LEVEL: this.io.env['LOG_LEVEL'] || 'warn' };
  }

  /** A FlowService for `server` and `worker`. */
  get service(): FlowService {
    this.#service ??= new FlowService({ env: this.#env, http: httpApi() });
    return this.#service;
  }

  /** The HTTP API at `DAGFLOW_URL` when set, else Redis through a FlowClient. */
  get target(): CommandTarget {
    const url = this.io.env['DAGFLOW_URL'];
    if (url !== undefined && url !== '') {
      return new HttpClient(url, this.io.env['DAGFLOW_TOKEN'] || undefined);
    }
    this.#client ??= new FlowClient({ env: this.#env });
    return this.#client;
  }

  /** Traces go where the OTEL_* variables say, for the long-running commands. */
  async startTelemetry(): Promise<void> {
    this.#telemetry = await startTelemetry(this.io.env);
  }

  async close(): Promise<void> {
    await this.#service?.close();
    await this.#client?.close();
    await this.#telemetry?.shutdown();
  }
}

/** Runs one CLI command and answers its exit code (long-running commands answer when stopped). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const session = new Session(io);
  let code: number = ExitCode.OK;
  const program = cliProgram(io, session, (answer) => (code = answer));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
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
    await session.close();
  }
}

/** The commands, their options and help; each action hands its exit code to `exit`. */
function cliProgram(io: CliIo, session: Session, exit: (code: number) => void): Command {
  const program = new Command('dagflow')
    .description('Run and control dagflow workflows.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run 'dagflow <command> --help' for usage)")
    .addHelpText('afterAll', FOOTER);
  program
    .command('server')
    .description('serve the HTTP API for every flow in the registry (PORT, default 8080)')
    .action(async () => {
      await session.startTelemetry();
      await session.service.startServer();
      io.err(`dagflow server listening on port ${session.service.httpPort ?? '?'}\n`);
      await untilSignal();
      exit(ExitCode.OK);
    });
  program
    .command('worker')
    .description('run the flows of <module>, which exports register(service)')
    .argument('<module>', 'an ES or CommonJS module, or TypeScript (.ts: see README)')
    .action(async (module: string) => {
      await session.startTelemetry();
      exit(await worker(session.service, module, io));
    });
  program
    .command('run')
    .description(
      'execute a flow; prints the request id, with --wait the result, with --stream its chunks',
    )
    .argument('<flow>', 'the flow to execute')
    .option('--data <data>', 'the input: JSON when it parses, else text')
    .option('--file <file>', 'the input from a file: JSON when it parses, else text')
    .option(
      '--wait [seconds]',
      "wait for the result, showing progress on stderr as it happens (the request's event stream " +
        'with DAGFLOW_URL, else Redis pub/sub; polling if that fails); bare --wait waits without a limit',
      seconds,
    )
    .option('--request-id <id>', 'the request id (running it again with one id runs it once)')
    .option(
      '--stream',
      'print the chunks its handlers emit (ctx.emit) as they come, until the request ends: text as ' +
        'it is, other values as JSON lines; exit 1 unless it completed',
    )
    .option(
      '--json',
      'print {"requestId"} or, with --wait, {"requestId","result"} (a batched flow adds "position": ' +
        "its input's place in the batch, else on stderr); with --stream, one JSON line per chunk",
    )
    .action(async (flow: string, options: RunOptions) => {
      exit(await run(session.target, { flow, options }, io));
    });
  program
    .command('status')
    .description("print the request's state as JSON")
    .argument('<flow>')
    .argument('<requestId>')
    .option('--json', 'the same JSON (accepted like on every command that prints data)')
    .action(async (flow: string, requestId: string) => {
      io.out(`${JSON.stringify(await session.target.state(flow, requestId), null, 2)}\n`);
      exit(ExitCode.OK);
    });
  for (const name of ['pause', 'resume', 'stop', 'rerun'] as const) {
    const command = program
      .command(name)
      .description(`${name} a request, then print its status`)
      .argument('<flow>')
      .argument('<requestId>')
      .option('--json', 'print {"requestId","status"}');
    if (name === 'rerun')
      command
        .option('--from <node>', 'rerun from this top-level node and everything after it')
        .option('--input <json>', 'a new input for the failed nodes (with --from: for that node)');
    command.action(async (flow: string, requestId: string, options: ControlOptions) => {
      const json = options.json === true;
      const rerun = {
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.input === undefined ? {} : { input: JSON.parse(options.input) as unknown }),
      };
      exit(await control(session.target, { name, flow, requestId, json, rerun }, io));
    });
  }
  program
    .command('flows')
    .description('list flows, their versions and live workers per queue')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      exit(await flows(session.target, options.json === true, io));
    });
  program
    .command('describe')
    .description(
      "print the flow's DAG as text: its current version's, or the shape of a published version " +
        "(a request keeps its version's shape: `version` in `dagflow status`)",
    )
    .argument('<flow>')
    .argument('[version]', 'a published version (12 lowercase hex digits)', flowVersion)
    .option('--json', "print the DAG's description as JSON")
    .action(async (flow: string, version: string | undefined, options: { json?: boolean }) => {
      const json = options.json === true;
      exit(await describe(session.target, { flow, version, json }, io));
    });
  addScheduleCommands(program, { target: () => session.target, io }, exit);
  addVersionCommands(program, { target: () => session.target, io }, exit);
  addBulkCommands(program, { target: () => session.target, io }, exit);
  addEventCommands(program, { target: () => session.target, io }, exit);
  return program;
}

/** `--wait`'s value: a number of seconds > 0. */
function seconds(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('It takes a number of seconds > 0.');
  return parsed;
}
