import { randomFillSync } from 'node:crypto';

/** Width of the time part: base36 milliseconds fit 8 characters until the year 2059. */
const TIME_WIDTH = 8;

/**
 * A new request id: 16 URL-safe characters, the creation time in base36 (so ids made later sort
 * later) followed by 48 random bits. Short on purpose: the id is part of every job id and key of the
 * request, which Redis stores and compares on every step.
 */
export function newRequestId(now = Date.now()): string {
  return now.toString(36).padStart(TIME_WIDTH, '0') + randomPart();
}

/** Random bytes drawn 1,536 at a time: one call into the CSPRNG per 256 ids, not one per id. */
const pool = Buffer.alloc(1_536);
let used = pool.length;

function randomPart(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 6;
  return pool.toString('base64url', used - 6, used);
}
