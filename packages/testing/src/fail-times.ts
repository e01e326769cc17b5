import type { Handler } from '@dagflow/engine';

/**
 * A handler that throws on its first `times` attempts (by `ctx.attempt`, so it holds across
 * processes and retries) and then runs `impl`: with `env.mock`, a node that fails twice and then
 * succeeds is `env.mock('pay', 'charge', failTimes(2, () => 'ok'))`. The node needs `retries` of at
 * least `times` for the request to complete.
 */
export function failTimes<I, O>(times: number, impl: Handler<I, O>): Handler<I, O> {
  return (input, ctx) => {
    if (ctx.attempt <= times)
      throw new Error(`${ctx.node}: failing attempt ${ctx.attempt} of ${times} (failTimes)`);
    return impl(input, ctx);
  };
}
