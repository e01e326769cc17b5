/** Redis-side counters read around a measurement: commands by name (INFO commandstats) and CPU (INFO cpu). */
import type { Redis } from 'ioredis';

/** Counters at one moment. */
export interface RedisSnapshot {
  /** Calls per command name, Lua-called commands included. */
  readonly calls: ReadonlyMap<string, number>;
  /** used_cpu_user + used_cpu_sys of the server, in seconds. */
  readonly cpuSeconds: number;
}

/** What Redis did between two snapshots; the bench's own INFO calls left out. */
export interface RedisDelta {
  readonly calls: ReadonlyMap<string, number>;
  readonly commands: number;
  /** EVAL and EVALSHA calls (each a round trip into a script). */
  readonly scripts: number;
  readonly cpuSeconds: number;
}

const SCRIPT_COMMANDS = new Set(['evalsha', 'eval', 'evalsha_ro', 'eval_ro', 'fcall', 'fcall_ro']);

/** Reads the counters (two INFO calls, not counted in deltas). */
export async function redisSnapshot(redis: Redis): Promise<RedisSnapshot> {
  const [commandstats, cpu] = [await redis.info('commandstats'), await redis.info('cpu')];
  const calls = new Map<string, number>();
  for (const m of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(m[1] ?? '', Number(m[2]));
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { calls, cpuSeconds: field('used_cpu_user') + field('used_cpu_sys') };
}

/** The difference `after - before`. */
export function redisDelta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const calls = new Map<string, number>();
  for (const [name, count] of after.calls) {
    const delta = count - (before.calls.get(name) ?? 0);
    if (delta > 0 && name !== 'info') calls.set(name, delta);
  }
  let commands = 0;
  let scripts = 0;
  for (const [name, count] of calls) {
    commands += count;
    if (SCRIPT_COMMANDS.has(name)) scripts += count;
  }
  return { calls, commands, scripts, cpuSeconds: after.cpuSeconds - before.cpuSeconds };
}
