/**
 * The first element of a Lua script's table reply, shared by every script in `lua/` (as `R.<name>`,
 * from the prelude the loader puts in front of each, see `lua-prelude.ts`) and the
 * TypeScript that reads their replies. Each script's header names the codes it returns in a
 * `--- @replies` line (checked by a test), and its `Returns` section says what each carries.
 *
 * STORED FORMAT in the sense that processes of one deployment share it: changing a value changes the
 * scripts' content hash, and so their command names (see `scripts.ts`).
 */
export const ReplyCode = {
  /** Done as asked (beginNode: run the attempt). */
  OK: 0,
  /** The step had completed before: a late or repeated attempt. */
  COMPLETED: 1,
  /** createRequest: the request was created (an existing one answers {@link ReplyCode.OK}). */
  CREATED: 1,
  /** The request is not running (paused, failed, stopped, completed); the reply carries its status. */
  NOT_RUNNING: 2,
  /** Another attempt owns the step (fencing); the reply carries the owner token. Nothing was written. */
  STALE: 3,
  /** parkStep: what the waiting step waits for is there already (the reply carries it). */
  READY: 4,
  /** deliverSignal: the signal node has its signal already (or completed); nothing changed. */
  DUPLICATE: 5,
  /** appendChunks: the chunks would take the request's stream past its byte limit; the reply says how many went in. */
  FULL: 6,
  /** No such request (never created, or expired). */
  MISSING: -1,
  /** controlRequest: the command does not apply to the request's status, which the reply carries. */
  INVALID_TRANSITION: -2,
  /** createRequests: a request with that id exists with another input fingerprint; nothing changed. */
  INPUT_MISMATCH: -3,
  /** createRequests: a request with that id exists and is not the child of the given parent node. */
  FOREIGN_CHILD: -4,
} as const;

/** A reply code's name. */
export type ReplyCodeName = keyof typeof ReplyCode;
