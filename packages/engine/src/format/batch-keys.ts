import { type Keys, hashedName } from './keys.js';

/** The keys of one batch key of a batched flow (see {@link batchKeys}). */
export interface BatchKeys {
  /** Hash: the key's open batch, fields of `BatchField` (`layout.ts`). */
  readonly open: string;
  /** List: the open batch's encoded inputs, in arrival order. */
  readonly items: string;
  /** Hash: closed batches whose requests are still to be created, batch id -> encoded input array. */
  readonly closed: string;
}

/**
 * The keys of one batch key of a flow (flow option `batch`; `''` for a flow without `key`), all in
 * the flow's slot under fixed names so that one script adds an input and closes a batch
 * (`lua/batchAdd.lua`). A key value longer than 64 characters is named by its hash, as
 * `Keys.concurrencyKey` does. Every one expires (see `client/start/batch-execute.ts`). Beside `keys.ts` (at
 * its size limit) as its own role; added with T3-8.
 */
export function batchKeys(keys: Keys, flow: string, key: string): BatchKeys {
  const open = `${keys.prefix}:batch:{${flow}}:k:${key.length <= 64 ? key : `#${hashedName(key)}`}`;
  return { open, items: `${open}:items`, closed: `${open}:closed` };
}

/**
 * String: set while a batch's request is still to be created (the batch is open, or closed and its
 * request not created yet), so that a wait for the batch's id waits instead of finding no request.
 */
export function batchPendingKey(keys: Keys, flow: string, batchId: string): string {
  return `${keys.prefix}:batch:{${flow}}:pending:${batchId}`;
}
