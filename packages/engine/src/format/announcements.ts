/**
 * What the scripts announce on pub/sub (a stored format: the Lua in `lua/includes/announce*.lua` writes
 * it). A request's channel (`Keys.request().live`, sharded, in the request's hash slot) carries its
 * own changes, `!<status>`; a completion of a request whose result is one terminal's output adds the
 * version it ran on and that output when it is small: `!completed <version> <encoded output>`. Its
 * steps' changes, `<path> <status>`, go on a channel of their own (`Keys.request().steps`, same slot)
 * that only live views hear, so that a waiter or a worker running one of its steps hears one or two
 * messages a request, whatever its size. (Builds before this one sent the steps' changes on the request's channel:
 * a process of either version reads a message of the other by its first character.) A flow's channel (`Keys.flowEvents`) carries
 * `<requestId> <status>` for each request created (`pending`) or changing status.
 */

/** Statuses a request ends in. */
const ENDS: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

/** A request's own change, as its channel announces it. */
export interface RequestAnnouncement {
  readonly status: string;
  /** Whether the request ended (completed, failed or stopped). */
  readonly ended: boolean;
  /** With a completion that carries its result: the definition version the request ran on. */
  readonly version?: string;
  /** With a completion that carries its result: the encoded output of its one terminal. */
  readonly output?: string;
}

/** The first character of a request's own announcements (a node path never starts with it). */
export const REQUEST_MARK = '!';

/** Reads a message of a request's channel when it announces the request itself, else undefined. */
export function parseRequestAnnouncement(message: string): RequestAnnouncement | undefined {
  if (!message.startsWith(REQUEST_MARK)) return undefined;
  const space = message.indexOf(' ');
  const status = message.slice(1, space === -1 ? undefined : space);
  const ended = ENDS.has(status);
  if (space === -1) return { status, ended };
  const next = message.indexOf(' ', space + 1);
  if (next === -1) return { status, ended };
  return {
    status,
    ended,
    version: message.slice(space + 1, next),
    output: message.slice(next + 1),
  };
}

/** Reads a message of a request's channel that announces one of its steps. */
export function parseStepAnnouncement(message: string): { node: string; status: string } {
  const at = message.lastIndexOf(' ');
  return { node: message.slice(0, at), status: message.slice(at + 1) };
}

/** Reads a message of a flow's channel. */
export function parseFlowAnnouncement(message: string): { requestId: string; status: string } {
  const at = message.indexOf(' ');
  return { requestId: message.slice(0, at), status: message.slice(at + 1) };
}
