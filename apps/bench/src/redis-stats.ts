import type { Redis } from 'ioredis';

/** Total commands Redis has executed (sum of `calls` in `INFO commandstats`, Lua-called ones included). */
export async function commandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/calls=(\d+)/g)) total += Number(match[1]);
  return total;
}

/** Commands Redis executes while `work` runs, minus the INFO call itself. */
export async function countCommands(redis: Redis, work: () => Promise<void>): Promise<number> {
  const before = await commandCount(redis);
  await work();
  return (await commandCount(redis)) - before - 1;
}
