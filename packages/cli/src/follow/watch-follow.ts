import type { FlowService, Unwatch } from '@dagflow/engine';
import type { FollowOptions } from './request-events.js';

const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);

/**
 * Follows a request over Redis: `FlowService.watch` (the pub/sub the server's event stream hears
 * too) hints at each change, and the state is read then, not on a timer. Changes that come while a
 * read runs fold into one more read. Resolves with the request's final status.
 */
export function followOverRedis(
  service: Pick<FlowService, 'watch' | 'state'>,
  request: { readonly flow: string; readonly requestId: string },
  options: FollowOptions,
): Promise<string> {
  const { flow, requestId } = request;
  return new Promise((resolve, reject) => {
    let reading = false;
    let again = false;
    let done = false;
    let unwatch: Unwatch | undefined;
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      options.signal?.removeEventListener('abort', onAbort);
      void unwatch?.();
      outcome();
    };
    const onAbort = (): void => finish(() => reject(new Error('The follow was aborted.')));
    const read = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const state = await service.state(flow, requestId);
          if (done) return;
          options.onState(state);
          if (ENDED.has(state.status)) return finish(() => resolve(state.status));
        } while (again);
      } catch (error) {
        finish(() => reject(error instanceof Error ? error : new Error(String(error))));
      } finally {
        reading = false;
      }
    };
    if (options.signal?.aborted === true) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    service
      .watch(flow, requestId, () => void read())
      .then(
        (stop) => {
          unwatch = stop;
          if (done) void stop();
          // A change before the subscription was not announced: read once now.
          else void read();
        },
        (error: unknown) =>
          finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
      );
  });
}
