import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Bumped whenever a script changes, so that processes of two versions never share a script name. */
const SCRIPTS_VERSION = '9';

const KEY_COUNTS = {
  createRequest: 2,
  beginNode: 3,
  markRunning: 1,
  completeNode: 4,
  completeNodes: 4,
  failNode: 4,
  controlRequest: 4,
  recordCompensation: 1,
  clearResuming: 1,
  holdSteps: 2,
} as const;

/** Names of the Lua scripts in `lua/`, one atomic operation each. */
export type ScriptName = keyof typeof KEY_COUNTS;

/** Shared Lua functions a script is loaded with (prepended, in order). */
const INCLUDES: Partial<Record<ScriptName, readonly string[]>> = {
  completeNode: ['completeStep'],
  completeNodes: ['completeStep'],
};

/** The text of a script as loaded: its includes, then its own file, from `lua/` beside `src/` and `dist/`. */
export function scriptSource(name: ScriptName): string {
  const read = (file: string) =>
    readFileSync(new URL(`../../lua/${file}.lua`, import.meta.url), 'utf8');
  return [...(INCLUDES[name] ?? []), name].map(read).join('\n');
}

/** Every script name, for tests that load them all. */
export const SCRIPT_NAMES = Object.keys(KEY_COUNTS) as ScriptName[];

type ScriptCaller = (...args: (string | number)[]) => Promise<unknown>;

/** Registers every script on a connection (ioredis runs them with EVALSHA, falling back to EVAL). */
export function defineScripts(redis: Redis): void {
  for (const name of SCRIPT_NAMES) {
    redis.defineCommand(commandName(name), {
      numberOfKeys: KEY_COUNTS[name],
      lua: scriptSource(name),
    });
  }
}

/** Runs a script registered by {@link defineScripts}. */
export function runScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const caller = (redis as unknown as Record<string, ScriptCaller>)[commandName(name)];
  if (caller === undefined)
    throw new Error(`Lua script '${name}' is not defined on this connection.`);
  return caller.call(redis, ...keys, ...args);
}

function commandName(name: ScriptName): string {
  return `dagflow_${name}_v${SCRIPTS_VERSION}`;
}
