import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { SigningConfig, SigningKey } from '../config/signing-config.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { deliverSignal } from '../client/signals.js';

/** The signal a signal URL delivers, and whom to. */
export interface SignalTarget {
  readonly flow: string;
  readonly requestId: string;
  /** The signal node's path. */
  readonly signal: string;
}

/** What a verified token carries (its payload). */
export interface SignalClaims extends SignalTarget {
  /** When the token expires (ms since the epoch). */
  readonly exp: number;
  /** The token's id: its single use is recorded under it. */
  readonly nonce: string;
  /** The id of the key that signed it. */
  readonly kid: string;
}

/** Options of `signalUrl`. */
export interface SignalUrlOptions {
  /**
   * Milliseconds the URL may be used in.
   * @defaultValue 24 hours
   */
  readonly expiresInMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A URL that delivers the signal once, without a bearer token: `POST <publicUrl>/signals/<token>`,
 * the token an HMAC-SHA256-signed payload (`<base64url JSON>.<base64url MAC>`) by the first key.
 * @throws DagflowError `SIGNING_KEY_MISSING` when no signing key is configured (`DAGFLOW_SIGNING_KEY`),
 *   `INVALID_INPUT` for an expiry that is not a positive integer
 */
export function signalUrl(
  signing: SigningConfig,
  target: SignalTarget,
  options: SignalUrlOptions = {},
): string {
  const key = signing.keys[0];
  if (key === undefined) {
    throw new DagflowError(
      ErrorCode.SIGNING_KEY_MISSING,
      'Signal URLs need a signing key: set DAGFLOW_SIGNING_KEY (id:secret, a secret of at least 32 characters) or the signingKey option.',
      { details: { setting: 'DAGFLOW_SIGNING_KEY' } },
    );
  }
  const { expiresInMs = DAY_MS } = options;
  if (!Number.isInteger(expiresInMs) || expiresInMs <= 0) {
    throw new DagflowError(
      ErrorCode.INVALID_INPUT,
      `expiresInMs must be a positive integer (got ${String(expiresInMs)}).`,
      { details: { expiresInMs } },
    );
  }
  const claims: SignalClaims = {
    flow: target.flow,
    requestId: target.requestId,
    signal: target.signal,
    exp: Date.now() + expiresInMs,
    nonce: randomBytes(16).toString('base64url'),
    kid: key.id,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${signing.publicUrl}/signals/${payload}.${mac(key, payload)}`;
}

/**
 * Delivers the signal a token names (see `FlowClient.signal`) with `payload`, once: the token is
 * verified (its key id known, its MAC, its expiry), then its use recorded in the request's slot (`SET
 * NX`, expiring with the token); a delivery refused (e.g. the payload fails the signal's schema) gives
 * the use back.
 * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`, `SIGNAL_URL_USED`, and those of
 *   `FlowClient.signal`
 */
export async function signalByUrl(
  parts: {
    readonly res: ServiceResources;
    readonly plans: PlanSource;
    readonly signing: SigningConfig;
  },
  token: string,
  payload: unknown,
): Promise<SignalClaims> {
  const claims = verifyToken(parts.signing, token);
  const { res } = parts;
  const used = res.keys.signalUrlUse(claims.flow, claims.requestId, claims.nonce);
  const ttl = Math.max(claims.exp - Date.now(), 1);
  if ((await res.redis.set(used, claims.kid, 'PX', ttl, 'NX')) === null) {
    throw new DagflowError(
      ErrorCode.SIGNAL_URL_USED,
      'This signal URL was used already: each delivers one signal.',
      {
        details: { flow: claims.flow, requestId: claims.requestId, signal: claims.signal },
      },
    );
  }
  try {
    await deliverSignal(res, parts.plans, claims, payload);
  } catch (error) {
    await res.redis.del(used);
    throw error;
  }
  return claims;
}

/**
 * The claims of a token signed by one of the configured keys and not expired.
 * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`
 */
export function verifyToken(signing: SigningConfig, token: string): SignalClaims {
  const [payload = '', signature = '', ...rest] = token.split('.');
  const claims = rest.length === 0 ? parse(payload) : undefined;
  const key = signing.keys.find((k) => k.id === claims?.kid);
  const expected = key === undefined ? undefined : Buffer.from(mac(key, payload));
  const given = Buffer.from(signature);
  if (
    claims === undefined ||
    expected === undefined ||
    expected.length !== given.length ||
    !timingSafeEqual(expected, given)
  ) {
    throw new DagflowError(
      ErrorCode.SIGNAL_URL_INVALID,
      'This signal URL is not valid: malformed, altered, or signed with a key no longer configured.',
    );
  }
  if (claims.exp <= Date.now()) {
    throw new DagflowError(ErrorCode.SIGNAL_URL_EXPIRED, 'This signal URL has expired.', {
      details: { expiredAt: new Date(claims.exp).toISOString() },
    });
  }
  return claims;
}

function mac(key: SigningKey, payload: string): string {
  return createHmac('sha256', key.secret).update(payload).digest('base64url');
}

/** The claims of a token's payload part, or undefined when it has not their shape. */
function parse(payload: string): SignalClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { flow, requestId, signal, exp, nonce, kid } = value as Record<string, unknown>;
  const texts = [flow, requestId, signal, nonce, kid].every((v) => typeof v === 'string');
  if (!texts || typeof exp !== 'number') return undefined;
  return value as SignalClaims;
}
