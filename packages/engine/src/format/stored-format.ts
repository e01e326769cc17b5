import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from './keys.js';

/**
 * The version of the stored format this code reads and writes: the keys and hash fields of
 * `keys.ts` and `layout.ts`, job data and ids, and the Lua scripts' use of them. Raise it with any
 * change that a process of the previous version would misread, and say in docs/scaling.md how to
 * upgrade. A prefix that holds data from before the version was recorded is format 1.
 */
export const STORED_FORMAT_VERSION = 1;

/**
 * Records the stored format under the prefix on first use and checks it on every start after: a
 * process meets data of one format only.
 * @throws DagflowError `STORED_FORMAT_MISMATCH` naming both versions when Redis holds another format.
 */
export async function checkStoredFormat(redis: RedisClient, keys: Keys): Promise<void> {
  const ours = String(STORED_FORMAT_VERSION);
  // SET NX GET: one call records ours on a new prefix and answers what another process recorded.
  const stored = (await redis.call('SET', keys.storedFormat, ours, 'NX', 'GET')) as string | null;
  if (stored === null || stored === ours) return;
  throw new DagflowError(
    ErrorCode.STORED_FORMAT_MISMATCH,
    `Redis holds dagflow data of stored format ${stored} under prefix '${keys.prefix}', but this ` +
      `process reads and writes format ${ours}. Run processes of one format on one prefix: finish ` +
      `the upgrade (or roll back) as docs/scaling.md ("Upgrading the stored format") describes.`,
  );
}
