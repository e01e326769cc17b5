import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { ROLES, type Role, isRole } from './roles.js';
import { assertFlowGlob, assertStrongToken, assertTokenName } from './token-rules.js';

/** A bearer token of the HTTP API, the role it grants, its name and the flows it may touch. */
export interface ApiToken {
  readonly role: Role;
  /** The secret the caller sends as `Authorization: Bearer <token>` (at least 24 characters). */
  readonly token: string;
  /**
   * How logs, the audit log and `/auth/whoami` name the token (1-64 of letters, digits, `_.@-`).
   * @defaultValue `<role>#<first 8 hex digits of the token's SHA-256>`
   */
  readonly name?: string;
  /**
   * The flows the token may see and act on: a glob (`orders-*`); `*` is every flow.
   * @defaultValue every flow
   */
  readonly flows?: string;
}

/** Who made a request: the role, name and flow scope of the token it carried. */
export interface Caller {
  readonly role: Role;
  readonly name: string;
  /** The token's flow glob; none: every flow. */
  readonly flows?: string;
}

/**
 * Tokens from `DAGFLOW_TOKENS` (see {@link parseTokenList}) and the file named by
 * `DAGFLOW_TOKENS_FILE` (see {@link parseTokenFile}); both may be set.
 * @throws DagflowError `INVALID_CONFIG` for a malformed or weak entry or an unreadable file
 */
export async function tokensFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Promise<ApiToken[]> {
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
 * Comma-separated entries `role:name:token[:flow-glob]`, or `role:token` (named by its fingerprint):
 * `viewer:grafana:3f9a…:orders-*,admin:e07b…`. Blanks around entries are ignored; a token holds no `:`.
 * @throws DagflowError `INVALID_CONFIG` naming the entry (never the token)
 */
export function parseTokenList(text: string): ApiToken[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, i) => apiToken(entry.split(':'), `DAGFLOW_TOKENS entry ${i + 1}`));
}

/**
 * A token file: one `role name token [flow-glob]` or `role token` per line, fields separated by
 * blanks; blank lines and lines starting with `#` are skipped.
 * @throws DagflowError `INVALID_CONFIG` naming the line (never the token)
 */
export function parseTokenFile(text: string, file = 'the token file'): ApiToken[] {
  const tokens: ApiToken[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    tokens.push(apiToken(line.split(/\s+/), `${file} line ${i + 1}`));
  }
  return tokens;
}

/** A token from the fields of one entry: `role token`, `role name token` or `role name token glob`. */
function apiToken(fields: readonly string[], where: string): ApiToken {
  const [role = '', ...rest] = fields;
  if (!isRole(role)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where} has an unknown role; use one of ${ROLES.join(', ')} ('role:name:token').`,
    );
  }
  if (rest.length < 1 || rest.length > 3 || rest.some((field) => field === '')) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where} must be 'role:name:token[:flow-glob]' or 'role:token' (a token holds no ':' or blank).`,
    );
  }
  if (rest.length === 1) {
    const token = rest[0] ?? '';
    assertStrongToken(token, where);
    return { role, token };
  }
  const [name = '', token = '', flows] = rest;
  assertTokenName(name, where);
  assertStrongToken(token, `${where} (${name})`);
  if (flows !== undefined) assertFlowGlob(flows, `${where} (${name})`);
  return { role, token, name, ...(flows === undefined ? {} : { flows }) };
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * The configured tokens, checked in constant time; only their SHA-256 digests are kept. Every token
 * is checked when the table is made, so a weak one stops the server at start.
 */
export class TokenTable {
  readonly #entries: readonly { readonly digest: Buffer; readonly caller: Caller }[];

  /**
   * @throws DagflowError `INVALID_CONFIG` for a token shorter than 24 characters or a placeholder, a
   * malformed name or scope, a token given twice, or a name given twice; the message names the entry
   * by position and name, never the token
   */
  constructor(tokens: readonly ApiToken[]) {
    const byDigest = new Map<string, { digest: Buffer; caller: Caller }>();
    const names = new Set<string>();
    for (const [i, { role, token, name, flows }] of tokens.entries()) {
      const hash = digest(token);
      const key = hash.toString('hex');
      const caller: Caller = {
        role,
        name: name ?? `${role}#${key.slice(0, 8)}`,
        ...(flows === undefined || flows === '*' ? {} : { flows }),
      };
      // A derived name is a fingerprint of the token: not shown before the token proved strong.
      const where = name === undefined ? `token ${i + 1}` : `token ${i + 1} (${name})`;
      if (name !== undefined) assertTokenName(name, where);
      if (flows !== undefined) assertFlowGlob(flows, where);
      assertStrongToken(token, where);
      if (byDigest.has(key)) refuse(`${where} repeats the token of another entry`);
      if (names.has(caller.name)) refuse(`${where} repeats the name of another entry`);
      names.add(caller.name);
      byDigest.set(key, { digest: hash, caller });
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

function refuse(message: string): never {
  throw new DagflowError(
    ErrorCode.INVALID_CONFIG,
    `${message}; each token and name may appear once.`,
  );
}
