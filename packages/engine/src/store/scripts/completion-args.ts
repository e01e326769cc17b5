/**
 * The arguments of `lua/completeNode.lua` and `lua/completeNodes.lua`, laid out here only. A
 * completion comes in two parts, so that the completions of many steps with one spec (the items of a
 * for-each body node finishing together) send the shared part once: the spec ({@link specArgs},
 * decoded by `read_spec`, `lua/includes/readSpec.lua`) and the step's own part ({@link ownArgs},
 * read in place by `complete_step`, `lua/includes/completeStep.lua`, and measured by `own_length`,
 * `lua/includes/ownLength.lua`). Each part starts with fixed arguments, read by name at their offsets
 * from the prelude tables `CS` and `CO` ({@link SPEC_LAYOUT}, {@link OWN_LAYOUT}: `A[at + CO.owner]`),
 * then counted lists, each its length followed by its values. `completeNodes` fails a call whose
 * arguments its parts do not consume exactly (checked at the end of its walk, which costs nothing:
 * a check before writing cost about 0.35 µs of Redis CPU per step). Changing a layout here changes the
 * loaded scripts, so their hash and command name (an older process keeps calling its own version).
 *
 * completeNode: now, spec, own part. completeNodes: now, r (requests; KEYS: 5 per request), then per
 * request g (groups), then per group its spec, k (steps), and the k steps' own parts.
 */

/** A completion's arguments as sent: its spec (shared with sibling steps) and its own part. */
export interface CompletionArgs {
  readonly shared: readonly (string | number)[];
  readonly own: readonly (string | number)[];
}

/** The spec's fixed arguments, in order; then successors, dataJson, enqueuedJson and gate follow. */
export const SPEC_HEAD = ['terminals', 'retention', 'channel', 'message'] as const;

/** The own part's fixed arguments, in order; then stateFields and the join to begin follow. */
export const OWN_HEAD = ['path', 'output', 'startedAt', 'owner'] as const;

/** Offsets of the fixed arguments, and `head`: how many there are (where the first list starts). */
function layout<Name extends string>(
  head: readonly Name[],
): Readonly<Record<Name | 'head', number>> {
  const offsets = Object.fromEntries(head.map((name, offset) => [name, offset]));
  return { ...(offsets as Record<Name, number>), head: head.length };
}

/** The prelude table `CS`: offsets in a spec ({@link SPEC_HEAD}). */
export const SPEC_LAYOUT = layout(SPEC_HEAD);
/** The prelude table `CO`: offsets in a step's own part ({@link OWN_HEAD}). */
export const OWN_LAYOUT = layout(OWN_HEAD);

/** A completion's spec, by name: what the completions of sibling steps share. */
export interface CompletionSpecArgs {
  /** The flow's terminal count, or 0 when the step does not complete a top-level terminal. */
  readonly terminals: number;
  /** Retention of a completed request (ms). */
  readonly retention: number;
  /** The events channel, and the message announcing the request's end on it. */
  readonly channel: string;
  readonly message: string;
  /**
   * Pairs of successor path and the completions it waits for (1: ready now; 0: a count set at run
   * time by a start step; k > 1: a static join; 'e': ready now, enqueued by the caller).
   */
  readonly successors?: readonly (string | number)[];
  /** A JSON array of data-hash field/value pairs to set on first completion, or ''. */
  readonly dataJson?: string;
  /** A JSON array of released steps the caller enqueues (a start step's entries), or ''. */
  readonly enqueuedJson?: string;
  /** The item gate of a concurrency-limited for-each body's terminal: vertex, prefix, terminals per item, r, r root suffixes. */
  readonly gate?: readonly (string | number)[];
}

/** A step's own part of a completion, by name. */
export interface CompletionOwnArgs {
  readonly path: string;
  /** Its encoded output. */
  readonly output: string;
  /** The start of a step begun without `beginNode` (written with the completion), or absent. */
  readonly startedAt?: number | undefined;
  /** The completing attempt's owner token, or '' for a repeat by a job that found the step completed. */
  readonly owner: string;
  /** Pairs of extra state-hash fields to set on first completion (a start step's counters, a fallback's error). */
  readonly stateFields?: readonly (string | number)[];
  /** The join to begin in the same call if this completion releases it: path, owner token, input fields. */
  readonly begin?:
    | { readonly path: string; readonly owner: string; readonly fields: readonly string[] }
    | undefined;
}

/** A spec's arguments: {@link SPEC_HEAD}, n and n successor pairs, dataJson, enqueuedJson, g and g gate values. */
export function specArgs(spec: CompletionSpecArgs): (string | number)[] {
  const { successors = [], gate = [] } = spec;
  return [
    spec.terminals,
    spec.retention,
    spec.channel,
    spec.message,
    successors.length / 2,
    ...successors,
    spec.dataJson ?? '',
    spec.enqueuedJson ?? '',
    gate.length,
    ...gate,
  ];
}

/**
 * A step's own arguments: {@link OWN_HEAD}, m and m state-field pairs, then the join to begin: '' for
 * none, else its path, owner token, f and its f input fields.
 */
export function ownArgs(own: CompletionOwnArgs): (string | number)[] {
  const { stateFields = [], begin } = own;
  return [
    own.path,
    own.output,
    own.startedAt ?? '',
    own.owner,
    stateFields.length / 2,
    ...stateFields,
    ...(begin === undefined
      ? ['']
      : [begin.path, begin.owner, begin.fields.length, ...begin.fields]),
  ];
}

/** The ARGV of a `completeNode` call. */
export function completeNodeArgs(
  now: number,
  { shared, own }: CompletionArgs,
): (string | number)[] {
  return [now, ...shared, ...own];
}

/** Completions of one request sharing one spec, as `completeNodes` takes them. */
export interface CompletionGroup {
  readonly shared: readonly (string | number)[];
  readonly owns: readonly (readonly (string | number)[])[];
}

/**
 * The ARGV of a `completeNodes` call: the groups of each request, in the order of the requests' KEYS
 * (state, data, store, held, stream each); the replies come in the same order, step after step.
 */
export function completeNodesArgs(
  now: number,
  requests: readonly (readonly CompletionGroup[])[],
): (string | number)[] {
  const args: (string | number)[] = [now, requests.length];
  for (const groups of requests) {
    args.push(groups.length);
    for (const { shared, owns } of groups) {
      args.push(...shared, owns.length);
      for (const own of owns) args.push(...own);
    }
  }
  return args;
}
