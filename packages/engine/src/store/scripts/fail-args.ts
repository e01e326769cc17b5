/**
 * The arguments of `lua/failNode.lua`, laid out here only: {@link FAIL_ARGS} in order. The script reads each by name at its index from the prelude table `FN`
 * ({@link FAIL_LAYOUT}: `ARGV[FN.owner]`); changing the order here changes the loaded script, so its
 * hash and command name (an older process keeps calling its own version).
 */

/** The fixed arguments of `failNode`, in order. */
export const FAIL_ARGS = [
  /** The step's path. */
  'path',
  /** Now (ms). */
  'now',
  /** The error (JSON). */
  'error',
  /** '1' when the failure is final, else '0'. */
  'final',
  /** Retention of a failed request (ms). */
  'retention',
  /** The events channel, and the message announcing the request's end on it. */
  'channel',
  'message',
  /** The failing attempt's owner token. */
  'owner',
  /** The attempt's start when it began implicitly (see `format/implied-begin.ts`), else ''. */
  'impliedStart',
] as const;

/** The prelude table `FN`: each argument's ARGV index (from 1), and `size`, how many there are. */
export const FAIL_LAYOUT: Readonly<Record<(typeof FAIL_ARGS)[number] | 'size', number>> = {
  ...(Object.fromEntries(FAIL_ARGS.map((name, i) => [name, i + 1])) as Record<
    (typeof FAIL_ARGS)[number],
    number
  >),
  size: FAIL_ARGS.length,
};

/** A failure's arguments by name. */
export interface FailArgs {
  readonly path: string;
  readonly now: number;
  /** The error, encoded (JSON). */
  readonly error: string;
  readonly final: boolean;
  readonly retention: number;
  readonly channel: string;
  readonly message: string;
  readonly owner: string;
  /** The attempt's start (ms) when it began implicitly; undefined when it began through beginNode. */
  readonly impliedStart?: number | undefined;
}

/** The ARGV of a `failNode` call. */
export function failNodeArgs(fail: FailArgs): (string | number)[] {
  return [
    fail.path,
    fail.now,
    fail.error,
    fail.final ? '1' : '0',
    fail.retention,
    fail.channel,
    fail.message,
    fail.owner,
    fail.impliedStart ?? '',
  ];
}
