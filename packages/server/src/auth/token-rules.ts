import { DagflowError, ErrorCode } from '@dagflow/flow';

/** Fewest characters a token may have. */
export const MIN_TOKEN_LENGTH = 24;

/** A token name: what logs, the audit log and `/auth/whoami` show. */
const NAME = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Words of example configurations; a token containing one was copied, not generated. */
const PLACEHOLDERS = ['changeme', 'replaceme', 'placeholder', 'yourtoken', 'yoursecret', 'example'];

/**
 * Refuses a token that is short, a placeholder (`change-me-...`, `your-token...`) or little more than
 * one repeated character; `where` names the entry in the message, which never repeats the token.
 * @throws DagflowError `INVALID_CONFIG`
 */
export function assertStrongToken(secret: string, where: string): void {
  const refuse = (why: string) => {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where}: the token ${why}; generate one with 'openssl rand -hex 32'.`,
      { details: { entry: where } },
    );
  };
  if (secret.length < MIN_TOKEN_LENGTH)
    refuse(`has ${secret.length} characters, fewer than ${MIN_TOKEN_LENGTH}`);
  const letters = secret.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (PLACEHOLDERS.some((word) => letters.includes(word)))
    refuse('is a placeholder from an example');
  if (new Set(secret).size < 5) refuse('repeats too few characters to be random');
}

/**
 * Refuses a token name that is empty, too long, or holds characters other than letters, digits and
 * `_.@-` (derived names, `<role>#<fingerprint>`, cannot be chosen).
 * @throws DagflowError `INVALID_CONFIG`
 */
export function assertTokenName(name: string, where: string): void {
  if (!NAME.test(name)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where}: a token name is 1-64 of letters, digits and _.@- (got ${JSON.stringify(name.slice(0, 64))}).`,
      { details: { entry: where } },
    );
  }
}

/**
 * Refuses a flow scope other than a glob of flow-name characters and `*`.
 * @throws DagflowError `INVALID_CONFIG`
 */
export function assertFlowGlob(glob: string, where: string): void {
  if (!/^[A-Za-z0-9_.*-]{1,128}$/.test(glob)) {
    throw new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `${where}: a flow scope is a glob of flow-name characters and '*' (got ${JSON.stringify(glob.slice(0, 128))}).`,
      { details: { entry: where } },
    );
  }
}
