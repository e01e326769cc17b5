import { readFile } from 'node:fs/promises';
import type { FlowService, RerunOptions } from '@dagflow/engine';
import { describeAsText } from './describe-text.js';
import type { CommandTarget } from './command-target.js';
import { importModule } from './load-module.js';
import { Progress } from './progress.js';
import { UsageError } from './usage-error.js';
import { waitWithProgress } from './follow/wait-progress.js';
import { printStream } from './follow/stream-output.js';

/** Exit codes scripts can rely on. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, TIMEOUT: 3 } as const;

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /**
   * Whether `err` is a terminal: progress then redraws one line instead of printing lines.
   * @defaultValue false
   */
  readonly errIsTTY?: boolean;
}

/** Options of `dagflow run`; `wait` is `true` for a bare `--wait` (no limit). */
export interface RunOptions {
  readonly data?: string;
  readonly file?: string;
  readonly wait?: number | true;
  readonly requestId?: string;
  readonly json?: boolean;
  readonly stream?: boolean;
}

/**
 * `dagflow run`: executes, and with `--wait` shows progress on stderr and prints the result, or with
 * `--stream` prints the chunks its handlers emit as they come. For a batched flow it also gives the
 * input's position in the batch: on stderr, or in the JSON it prints (`position`).
 */
export async function run(
  target: CommandTarget,
  { flow, options }: { flow: string; options: RunOptions },
  io: CliIo,
): Promise<number> {
  if (options.data !== undefined && options.file !== undefined)
    throw new UsageError('Give --data or --file, not both.');
  const text = options.file !== undefined ? await readFile(options.file, 'utf8') : options.data;
  let batched: { readonly position: number } | undefined;
  const requestId = await target.execute(flow, text === undefined ? null : jsonOrText(text), {
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    onBatched: ({ position }) => (batched = { position }),
  });
  // stdout keeps the request id alone (scripts read it); the batch position is a note on stderr.
  if (batched !== undefined && options.json !== true)
    io.err(`batch position ${batched.position}\n`);
  if (options.stream === true) {
    if (options.wait !== undefined) throw new UsageError('Give --wait or --stream, not both.');
    return printStream(target, { flow, requestId, json: options.json === true }, io);
  }
  if (options.wait === undefined) {
    io.out(
      options.json === true ? `${JSON.stringify({ requestId, ...batched })}\n` : `${requestId}\n`,
    );
    return ExitCode.OK;
  }
  if (options.json !== true) io.err(`request ${requestId}\n`);
  const progress = new Progress({ write: io.err, isTTY: io.errIsTTY ?? false });
  const note = (text: string): void => {
    progress.end();
    io.err(`${text}\n`);
  };
  const awaited = { flow, requestId, seconds: options.wait, batched: batched !== undefined };
  const result = await waitWithProgress(target, awaited, { progress, note }).finally(() =>
    progress.end(),
  );
  io.out(options.json === true ? asJson({ requestId, ...batched }, result) : asText(result));
  return ExitCode.OK;
}

/**
 * `dagflow worker <module>`: registers the module's flows and works until SIGINT or SIGTERM. The
 * module may be TypeScript (see {@link importModule}).
 */
export async function worker(service: FlowService, module: string, io: CliIo): Promise<number> {
  const loaded = (await importModule(module)) as { register?: (service: FlowService) => unknown };
  if (typeof loaded.register !== 'function') {
    throw new UsageError(
      `Module '${module}' must export a function register(service) that registers its flows.`,
    );
  }
  await loaded.register(service);
  await service.startWorker();
  const metrics =
    service.metricsPort === undefined ? '' : `, metrics on port ${service.metricsPort}`;
  io.out(`dagflow worker ${process.pid} ready${metrics}\n`);
  await untilSignal();
  return ExitCode.OK;
}

/** `dagflow flows`: one line per flow, or the list as JSON. */
export async function flows(target: CommandTarget, json: boolean, io: CliIo): Promise<number> {
  const list = await target.flows();
  if (json) {
    io.out(`${JSON.stringify(list, null, 2)}\n`);
    return ExitCode.OK;
  }
  for (const flow of list) {
    const workers = Object.entries(flow.workers).map(
      ([queue, n]) => `${queue === '' ? 'flow' : queue}: ${n}`,
    );
    io.out(
      `${flow.name}  version ${flow.version}  ${flow.nodes} nodes  workers ${workers.join(', ') || 'none'}\n`,
    );
  }
  return ExitCode.OK;
}

/**
 * `dagflow describe <flow> [version]`: the DAG (of the current version, or of `version`) as text, or
 * its description as JSON.
 */
export async function describe(
  target: CommandTarget,
  { flow, version, json }: { flow: string; version: string | undefined; json: boolean },
  io: CliIo,
): Promise<number> {
  const description = await target.describe(flow, version);
  io.out(
    json
      ? `${JSON.stringify(description, null, 2)}\n`
      : `${describeAsText(description).join('\n')}\n`,
  );
  return ExitCode.OK;
}

/** `dagflow pause|resume|stop|rerun <flow> <requestId>`: the command, then the request's status. */
export async function control(
  target: CommandTarget,
  command: {
    name: 'pause' | 'resume' | 'stop' | 'rerun';
    flow: string;
    requestId: string;
    json: boolean;
    /** A rerun's options (`--from`, `--input`). */
    rerun?: RerunOptions;
  },
  io: CliIo,
): Promise<number> {
  const { name, flow, requestId, json } = command;
  if (name === 'rerun') await target.rerun(flow, requestId, command.rerun ?? {});
  else await target[name](flow, requestId);
  const { status } = await target.state(flow, requestId);
  io.out(
    json
      ? `${JSON.stringify({ requestId, status })}\n`
      : `${name}: request ${requestId} is ${status}\n`,
  );
  return ExitCode.OK;
}

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The text as JSON if it is JSON, else as text. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `{ requestId, position?, result }`; a binary result as `{ base64 }`. */
function asJson(
  request: { readonly requestId: string; readonly position?: number },
  result: unknown,
): string {
  const value = Buffer.isBuffer(result) ? { base64: result.toString('base64') } : result;
  return `${JSON.stringify({ ...request, result: value })}\n`;
}

function asText(result: unknown): string {
  if (Buffer.isBuffer(result)) return result.toString('utf8');
  return typeof result === 'string' ? `${result}\n` : `${JSON.stringify(result, null, 2)}\n`;
}
