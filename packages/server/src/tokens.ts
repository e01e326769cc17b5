import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { ROLES, type Role, isRole } from './roles.js';

/** A bearer token of the HTTP API and the role it grants. */
export interface ApiToken {
  readonly role: Role;
  /** The secret the caller sends as `Authorization: Bearer <token>`. */
  readonly token: string;
  /**
   * How logs and the audit log name the token.
   * @defaultValue `<role>#<first 8 hex digits of the token's SHA-256>`
   */
  readonly name?: string;
}

/** Who made a request: the role and name of the token it carried. */
export interface Caller {
  readonly role: Role;
  readonly name: string;
}

/**
 * Tokens from `DAGFLOW_TOKENS` (`role:token` pairs, comma separated) and the file named by
 * `DAGFLOW_TOKENS_FILE` (see {@link parseTokenFile}); both may be set.
 * @throws DagflowError `INVALID_CONFIG` for a malformed entry or an unreadable file
 */
export async function tokensFromEnv(env: NodeJS.ProcessEnv): Promise<ApiToken[]> {
  const tokens = parseTokenList(env['DAGFLOW_TOKENS'] ?? '');
  const file = env['DAGFLOW_TOKENS_FILE'];
  if (file === undefined || file === '') return tokens;
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `DAGFLOW_TOKENS_FILE ${file} cannot be read: ${(error as Error).message}`,
      { cause: error },
    );
  });
  return [...tokens, ...parseTokenFile(text, file)];
}

/**
 * `role:token` pairs, comma separated (`viewer:abc,admin:xyz`); blanks around entries are ignored.
 * @throws DagflowError `INVALID_CONFIG` (the message never repeats a token)
 */
export function parseTokenList(text: string): ApiToken[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      return token(
        colon < 0 ? entry : entry.slice(0, colon),
        colon < 0 ? '' : entry.slice(colon + 1),
        `DAGFLOW_TOKENS entry ${i + 1}`,
      );
    });
}

/**
 * A token file: one `role token` per line; blank lines and lines starting with `#` are skipped.
 * @throws DagflowError `INVALID_CONFIG` naming the line (never the token)
 */
export function parseTokenFile(text: string, file = 'the token file'): ApiToken[] {
  const tokens: ApiToken[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const where = `${file} line ${i + 1}`;
    if (fields.length !== 2) {
      throw new DagflowError(
        ErrorCode.INVALID_CONFIG,
        `${where} must be 'role token' (two fields), got ${fields.length}.`,
      );
    }
    tokens.push(token(fields[0] ?? '', fields[1] ?? '', where));
  }
  return tokens;
}

function token(role: string, secret: string, where: string): ApiToken {
  if (!isRole(role)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where} has an unknown role; use one of ${ROLES.join(', ')} ('role:token').`,
    );
  }
  if (secret === '' || /\s/.test(secret)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where} has an empty token or one with white space ('${role}:<token>').`,
    );
  }
  return { role, token: secret };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The configured tokens, checked in constant time; only their SHA-256 digests are kept. */
export class TokenTable {
  readonly #entries: readonly { readonly digest: Buffer; readonly caller: Caller }[];

  /** @throws DagflowError `INVALID_CONFIG` when one token is given two roles */
  constructor(tokens: readonly ApiToken[]) {
    const byDigest = new Map<string, { digest: Buffer; caller: Caller }>();
    for (const { role, token, name } of tokens) {
      const hash = digest(token);
      const key = hash.toString('hex');
      const known = byDigest.get(key);
      if (known !== undefined && known.caller.role !== role) {
        throw new DagflowError(
          ErrorCode.INVALID_CONFIG,
          `One token is configured with two roles (${known.caller.role} and ${role}).`,
        );
      }
      byDigest.set(key, {
        digest: hash,
        caller: { role, name: name ?? `${role}#${key.slice(0, 8)}` },
      });
    }
    this.#entries = [...byDigest.values()];
  }

  /** How many distinct tokens there are. */
  get size(): number {
    return this.#entries.length;
  }

  /** The caller a presented token belongs to; every entry is compared, in constant time each. */
  lookup(presented: string): Caller | undefined {
    const hash = digest(presented);
    let found: Caller | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(hash, entry.digest)) found = entry.caller;
    }
    return found;
  }
}
