import { isIP } from 'node:net';
import type { Logger } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';

/** Whether the server authenticates callers: `DAGFLOW_AUTH`, `on` unless it says `off`. */
export type AuthMode = 'on' | 'off';

/**
 * `DAGFLOW_AUTH`: `on` (or unset) or `off`.
 * @throws DagflowError `INVALID_CONFIG` for any other value
 */
export function authModeFrom(value: string | undefined): AuthMode {
  if (value === undefined || value === '' || value === 'on') return 'on';
  if (value === 'off') return 'off';
  throw new DagflowError(
    ErrorCode.INVALID_CONFIG,
    `DAGFLOW_AUTH must be 'on' or 'off' (got ${JSON.stringify(value)}).`,
  );
}

/** Whether `host` names only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * The address to bind, the way Redis's protected mode decides: `host` when given, else `0.0.0.0` with
 * tokens and `127.0.0.1` without. Without tokens a non-loopback address is refused unless auth is
 * `off`; with auth `off` the server starts open to everyone and says so in a warning.
 * @throws DagflowError `INVALID_CONFIG`
 */
export function bindHost(options: {
  readonly host: string | undefined;
  readonly tokens: number;
  readonly auth: AuthMode;
  readonly log: Logger;
}): string {
  const { tokens, auth, log } = options;
  const host = options.host ?? (tokens > 0 && auth === 'on' ? '0.0.0.0' : '127.0.0.1');
  if (auth === 'off') {
    log.warn('HTTP authentication is off (DAGFLOW_AUTH=off): every caller may do everything', {
      host,
      ...(tokens > 0 ? { ignoredTokens: tokens } : {}),
    });
  } else if (tokens === 0 && !isLoopback(host)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `Refusing to serve HTTP on ${host} without tokens: anyone who reaches it could do everything. ` +
        'Set DAGFLOW_TOKENS or DAGFLOW_TOKENS_FILE (see docs/security.md), bind HOST=127.0.0.1, ' +
        'or set DAGFLOW_AUTH=off to run it open on purpose.',
      { details: { host } },
    );
  }
  return host;
}
