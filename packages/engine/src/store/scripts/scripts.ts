import { createHash } from 'node:crypto';
import type { RedisClient } from '../../infra/redis-connection.js';
import { PRELUDE_TABLES, type PreludeTable, withPrelude } from './lua-prelude.js';
import { readLuaFile, resolveIncludes } from './script-source.js';

/** The Lua scripts in `lua/`, one atomic operation each (files of shared functions are included). */
export const SCRIPT_NAMES = [
  'createRequests',
  'readOutcomes',
  'beginNode',
  'beginNodes',
  'markRunning',
  'completeNode',
  'completeNodes',
  'failNode',
  'controlRequest',
  'recordCompensation',
  'clearResuming',
  'holdSteps',
  'appendLog',
  'appendChunks',
  'releaseStream',
  'parkStep',
  'deliverSignal',
  'waitEvent',
  'emitEvent',
  'debounceJoin',
  'debounceGate',
  'debouncePointer',
  'admitKey',
  'releaseKey',
  'markUnavailable',
  'publishFlow',
  'migrateRequest',
  'removeRequestJobs',
  'rerunFrom',
  'rerunSlice',
  'deleteRequest',
  'singletonKey',
  'cacheLead',
  'rateWindow',
  'batchAdd',
  'batchClose',
  'fairEnqueue',
  'fairRelease',
  'fairReconcile',
] as const;

/** Names of the Lua scripts in `lua/`. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type PreludeValues = Parameters<typeof withPrelude>[1];

/**
 * The text of a script as loaded: its own file with its `--- @include` lines resolved and the names it
 * takes from TypeScript replaced by their values (see `lua-prelude.ts`).
 * @param tables the prelude's values (tests hand in altered ones)
 */
export function scriptSource(name: ScriptName, tables: PreludeValues = PRELUDE_TABLES): string {
  const lua = resolveIncludes(name);
  return withPrelude(lua, tables);
}

/**
 * Content hash of every script as loaded, and of every value the prelude may take from TypeScript:
 * changing a script, a field name or a reply code changes every command name.
 */
export function scriptsVersion(tables: PreludeValues = PRELUDE_TABLES): string {
  const hash = createHash('sha1');
  for (const table of Object.keys(tables).sort() as PreludeTable[])
    hash.update(`${table}\n${JSON.stringify(tables[table])}\n`);
  for (const name of SCRIPT_NAMES) hash.update(`${name}\n${scriptSource(name, tables)}\n`);
  return hash.digest('hex').slice(0, 12);
}

interface LoadedScripts {
  /** Content hash of every script as loaded: processes of two versions never share a command name. */
  readonly version: string;
  readonly scripts: ReadonlyMap<
    ScriptName,
    { readonly lua: string; readonly numberOfKeys: number | undefined }
  >;
}

let loaded: LoadedScripts | undefined;

/** Every script's text and key count (from its `--- @keys` line), read once per process. */
function loadScripts(): LoadedScripts {
  if (loaded !== undefined) return loaded;
  const scripts = new Map<ScriptName, { lua: string; numberOfKeys: number | undefined }>();
  for (const name of SCRIPT_NAMES) {
    const { numberOfKeys } = readLuaFile(name);
    if (numberOfKeys === undefined) throw new Error(`lua/${name}.lua declares no '--- @keys'.`);
    const lua = scriptSource(name);
    // ioredis takes a dynamic script's key count as its first argument (see runScript).
    scripts.set(name, { lua, numberOfKeys: numberOfKeys === 'dynamic' ? undefined : numberOfKeys });
  }
  loaded = { version: scriptsVersion(), scripts };
  return loaded;
}

type ScriptCaller = (...args: (string | number)[]) => Promise<unknown>;

/** Registers every script on a connection (ioredis runs them with EVALSHA, falling back to EVAL). */
export function defineScripts(redis: RedisClient): void {
  for (const [name, script] of loadScripts().scripts) {
    redis.defineCommand(commandName(name), script);
  }
}

/** Runs a script registered by {@link defineScripts}. */
export function runScript(
  redis: RedisClient,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const caller = (redis as unknown as Record<string, ScriptCaller>)[commandName(name)];
  if (caller === undefined)
    throw new Error(`Lua script '${name}' is not defined on this connection.`);
  return loadScripts().scripts.get(name)?.numberOfKeys === undefined
    ? caller.call(redis, keys.length, ...keys, ...args)
    : caller.call(redis, ...keys, ...args);
}

function commandName(name: ScriptName): string {
  return `dagflow_${name}_${loadScripts().version}`;
}
