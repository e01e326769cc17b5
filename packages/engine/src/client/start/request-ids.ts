import { randomFillSync } from 'node:crypto';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import {
  CHILD_ID_PREFIX,
  LEGACY_CHILD_ID_PREFIX,
  TICK_ID_PREFIX,
} from '../../format/request-ids.js';

/**
 * The ids a caller may give a request (`X-Request-Id`, `execute(..., { requestId })`): 1-128
 * characters of `[A-Za-z0-9_.-]`.
 */
export const REQUEST_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** The ids of child requests (`childRequestId`): `child~` or `child-` and 24 base64url characters. */
const CHILD_ID = /^child[~-][A-Za-z0-9_-]{24}$/;

/** The ids of schedule ticks (`scheduledRequestId`): `s~`, the schedule id, `.` and the tick time. */
const TICK_ID = /^s~[A-Za-z0-9_.-]{1,64}\.[0-9]{1,16}$/;

/** Who names a request: a caller, a parent for its child (`dag.flow`), a schedule for its tick. */
export type RequestIdKind = 'caller' | 'child' | 'tick';

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

/**
 * Checks a request id: a caller's id uses `[A-Za-z0-9_.-]` and not the prefix `child-` (the old child
 * ids), so no caller can create a request that a parent would take for its child; the ids of child
 * requests (`childRequestId`, given with their parent) and of schedule ticks (`scheduledRequestId`)
 * have their own forms, with a `~` no caller's id can have.
 * @throws DagflowError `INVALID_REQUEST_ID` saying what is wrong
 */
export function assertRequestId(requestId: string, kind: RequestIdKind): void {
  if (
    kind === 'child'
      ? CHILD_ID.test(requestId)
      : kind === 'tick'
        ? TICK_ID.test(requestId)
        : REQUEST_ID.test(requestId)
  ) {
    if (kind !== 'caller' || !requestId.startsWith(LEGACY_CHILD_ID_PREFIX)) return;
    throw new DagflowError(
      ErrorCode.INVALID_REQUEST_ID,
      `Invalid request id ${JSON.stringify(requestId)}: the prefixes '${LEGACY_CHILD_ID_PREFIX}' and '${CHILD_ID_PREFIX}' are reserved for child requests (dag.flow), '${TICK_ID_PREFIX}' for schedule ticks; choose another id.`,
    );
  }
  throw new DagflowError(
    ErrorCode.INVALID_REQUEST_ID,
    `Invalid request id ${JSON.stringify(requestId)}: use 1-128 characters of letters, digits, '_', '.' and '-'.`,
  );
}
