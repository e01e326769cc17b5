/**
 * The arguments of `lua/createRequests.lua`, laid out here only. ARGV: the call's own arguments
 * ({@link CREATE_CALL_ARGS}), then {@link NEW_REQUEST_SIZE} arguments per request, in the order of
 * its KEYS (state hash, data hash per request), each request's in the order of
 * {@link NEW_REQUEST_ARGS}. The script reads each field by name at its offset from the prelude table
 * `NR` ({@link NEW_REQUEST_LAYOUT}): `ARGV[at + NR.fingerprint]` (no table per request: one cost about
 * 1 µs of Redis CPU per request, measured). Changing the order or the count here changes the loaded scripts,
 * so their hash and command name (an older process keeps calling its own version).
 */

/** The call's own arguments, first: ARGV[1] now (ms), ARGV[2] the events channel. */
export const CREATE_CALL_ARGS = ['now', 'channel'] as const;

/** The arguments of one request, in the order the script reads them. */
export const NEW_REQUEST_ARGS = [
  /** Encoded input (data field `in`). */
  'input',
  /** Encoded context (query, headers), or ''. */
  'context',
  /** The flow definition's version the request runs on, to its end. */
  'version',
  /** The message announcing the new request on the events channel. */
  'message',
  /** The parent link of a child request (JSON: flow, requestId, node), or ''. */
  'parent',
  /** The partition it is placed in (`<count>.<index>`), or '' for the flow's own queue. */
  'partition',
  /** The input's fingerprint, or '' for a request whose input may change (debounced). */
  'fingerprint',
  /** Its start deadline (ms since epoch), or ''. */
  'startBy',
  /** Its finish deadline (ms since epoch), or ''. */
  'finishBy',
  /** The name of its singleton key (cleared at its end), or ''. */
  'singleton',
  /** Its fair tag (JSON [key, weight], for a flow with `fairness`), or ''. */
  'fairKey',
] as const;

/** The name of one argument of a request. */
export type NewRequestArg = (typeof NEW_REQUEST_ARGS)[number];

/** How many arguments each request takes. */
export const NEW_REQUEST_SIZE = NEW_REQUEST_ARGS.length;

/**
 * One request's arguments by name (see {@link NEW_REQUEST_ARGS}); an absent optional one is sent as ''.
 */
export type NewRequestArgs = {
  readonly [name in Exclude<NewRequestArg, 'input' | 'version' | 'message'>]?:
    string | number | undefined;
} & { readonly input: string; readonly version: string; readonly message: string };

/**
 * The prelude table `NR`: each argument's offset within a request's arguments, `size` (arguments per
 * request) and `fixed` (the call's own arguments before the first request).
 */
export const NEW_REQUEST_LAYOUT: Readonly<Record<NewRequestArg | 'size' | 'fixed', number>> = {
  ...(Object.fromEntries(NEW_REQUEST_ARGS.map((name, offset) => [name, offset])) as Record<
    NewRequestArg,
    number
  >),
  size: NEW_REQUEST_SIZE,
  fixed: CREATE_CALL_ARGS.length,
};

/** The ARGV of a `createRequests` call: `now`, the events `channel`, then each request's arguments. */
export function createRequestsArgs(
  now: number,
  channel: string,
  requests: readonly NewRequestArgs[],
): (string | number)[] {
  const args: (string | number)[] = [now, channel];
  for (const request of requests)
    for (const name of NEW_REQUEST_ARGS) args.push(request[name] ?? '');
  return args;
}
