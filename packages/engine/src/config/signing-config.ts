import type { ClientSettings } from './client-settings.js';
import { type EnvReader, invalidConfig } from './env.js';

/** One key of signal URLs: its id (carried in each token) and its secret. */
export interface SigningKey {
  readonly id: string;
  readonly secret: string;
}

/** {@link ClientSettings.signingKey} and {@link ClientSettings.publicUrl} resolved. */
export interface SigningConfig {
  /** The keys, the signing one first; empty: signal URLs cannot be made nor used. */
  readonly keys: readonly SigningKey[];
  /** The base of signal URLs, without a trailing `/`. */
  readonly publicUrl: string;
  /**
   * Whether {@link publicUrl} was configured; if not, a service that started its HTTP server uses
   * the address it listens on.
   */
  readonly publicUrlGiven: boolean;
}

/** Shortest secret accepted: 32 characters (256 bits of a random base64 or hex text, about). */
const MIN_SECRET = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The signing part of the client: `DAGFLOW_SIGNING_KEY` (`id:secret,...`) and `DAGFLOW_PUBLIC_URL`.
 * @throws DagflowError `INVALID_CONFIG` for a malformed list, a short secret, a duplicate key id or a
 *   public URL that is not http(s)
 */
export function signingPart(
  options: Pick<ClientSettings, 'signingKey' | 'publicUrl'>,
  env: EnvReader,
): SigningConfig {
  const name =
    options.signingKey === undefined
      ? 'Environment variable DAGFLOW_SIGNING_KEY'
      : 'Option signingKey';
  const text = options.signingKey ?? env.string('DAGFLOW_SIGNING_KEY') ?? '';
  const keys: SigningKey[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, Math.max(colon, 0));
    const secret = entry.slice(colon + 1);
    // The secret is never echoed: only the key id is named.
    if (colon < 0 || !KEY_ID.test(id))
      throw invalidConfig(name, 'must be a list of id:secret (ids of 1-32 [A-Za-z0-9_-])', id);
    if (secret.length < MIN_SECRET)
      throw invalidConfig(
        name,
        `has a weak secret: at least ${MIN_SECRET} characters are needed, key id`,
        id,
      );
    if (keys.some((key) => key.id === id)) throw invalidConfig(name, 'names a key id twice', id);
    keys.push({ id, secret });
  }
  const publicUrlGiven = (options.publicUrl ?? env.string('DAGFLOW_PUBLIC_URL')) !== undefined;
  return { keys, publicUrl: publicUrlOf(options, env), publicUrlGiven };
}

function publicUrlOf(options: Pick<ClientSettings, 'publicUrl'>, env: EnvReader): string {
  const given = options.publicUrl ?? env.string('DAGFLOW_PUBLIC_URL');
  if (given === undefined) {
    const host = env.string('HOST');
    const local = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${local.includes(':') ? `[${local}]` : local}:${env.string('PORT') ?? '8080'}`;
  }
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw invalidConfig(
      options.publicUrl === undefined
        ? 'Environment variable DAGFLOW_PUBLIC_URL'
        : 'Option publicUrl',
      'must be an http(s) URL',
      given,
    );
  return given.replace(/\/+$/, '');
}
