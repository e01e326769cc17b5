import type { RequestState } from '@dagflow/server/contract';

/**
 * What a request's result panel does with a state it is given: show a text, fetch the result (once the
 * request completed), or keep what it shows. Live updates and polls may deliver an older state after
 * the one that said completed: once the result was asked for, such a state keeps it.
 */
export function resultPanel(
  state: Pick<RequestState, 'status' | 'error'>,
  resultAsked: boolean,
): { readonly show: string } | 'fetch' | 'keep' {
  if (state.status === 'failed' && state.error !== undefined)
    return { show: `failed: ${state.error.message} (node ${state.error.node})` };
  if (state.status === 'stopped') return { show: 'stopped' };
  if (resultAsked) return 'keep';
  return state.status === 'completed' ? 'fetch' : { show: 'not yet' };
}
