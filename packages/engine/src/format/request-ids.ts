import { createHash } from 'node:crypto';

/**
 * Request ids the engine makes itself (children of `dag.flow` nodes, schedule ticks) and the input
 * fingerprint. STORED FORMAT: ids name existing requests; see `layout.ts` for the rules of a change.
 */
/** The node of a parent request that runs a child request (`dag.flow`). Stored format (field `parent`). */
export interface ParentLink {
  readonly flow: string;
  readonly requestId: string;
  readonly node: string;
}

/** The fingerprint of an encoded request input: 128 bits of its sha256, base64url. Stored format (field `fp`). */
export function inputFingerprint(encodedInput: string): string {
  return createHash('sha256').update(encodedInput).digest('base64url').slice(0, 22);
}

/**
 * The id of the child request a parent's child-flow node (`dag.flow`) runs: the same for every attempt,
 * resume and rerun of the node, so the child starts once and a rerun of the parent reaches it. Stored
 * format (it names existing children).
 *
 * Since T3-2 it is `child~<hash>`: `~` lies outside the alphabet of caller-supplied ids, so no caller
 * can create a request with it before the parent does. A parent created before T3-2 (its state has no
 * {@link RequestField.fingerprint} field, see {@link childIdForm}) keeps the old `child-<hash>`
 * ids, so that it finds the children it started before the deploy; callers may not use the `child-`
 * prefix either (`INVALID_REQUEST_ID`), and a parent adopts only a child whose `parent` field names it.
 */
export function childRequestId(
  parentRequestId: string,
  path: string,
  form: 'tilde' | 'legacy' = 'tilde',
): string {
  const hash = createHash('sha256').update(`${parentRequestId}|${path}`).digest('base64url');
  return `${form === 'tilde' ? CHILD_ID_PREFIX : LEGACY_CHILD_ID_PREFIX}${hash.slice(0, 24)}`;
}

/** Prefix of child request ids since T3-2. Stored format. */
export const CHILD_ID_PREFIX = 'child~';

/** Prefix of child request ids before T3-2, refused in caller-supplied ids. Stored format. */
export const LEGACY_CHILD_ID_PREFIX = 'child-';

/**
 * The form of the child ids of a parent, from its {@link RequestField.fingerprint} field (undefined: the
 * parent was created before T3-2); see {@link childRequestId}.
 */
export function childIdForm(parentFingerprint: string | undefined): 'tilde' | 'legacy' {
  return parentFingerprint === undefined ? 'legacy' : 'tilde';
}

/**
 * Request id of a schedule's tick: `s~<scheduleId>.<tick time in ms>`, the same in every process, so a
 * tick delivered twice starts one request. Stored format.
 *
 * Since T3-2 the prefix is `s~` (before: `s.`): `~` lies outside the alphabet of caller-supplied ids
 * (`X-Request-Id`, `execute(..., { requestId })`), as with {@link CHILD_ID_PREFIX}, so no caller can
 * create the next tick's request first and have the schedule adopt it (or skip the tick). A tick taken
 * before a deploy and delivered again to a worker after it starts a second request once (its first,
 * `s.` one, was made by the old worker).
 */
export function scheduledRequestId(scheduleId: string, tickMs: number): string {
  return `${TICK_ID_PREFIX}${scheduleId}.${tickMs}`;
}

/** Prefix of schedule-tick request ids since T3-2 (see {@link scheduledRequestId}). Stored format. */
export const TICK_ID_PREFIX = 's~';
