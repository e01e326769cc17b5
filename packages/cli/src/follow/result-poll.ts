import { DagflowError, ErrorCode, type WaitOptions } from '@dagflow/engine';

/** How often a result is asked for again while its request runs. */
const POLL_MS = 250;

/**
 * Asks for a request's result (`GET .../result` through `read`) until it has finished, every
 * {@link POLL_MS}: answers the JSON result, or the bytes of any other type.
 * @throws DagflowError `WAIT_TIMEOUT` once `timeoutMs` (30 s by default) ran out; the server's errors
 *   but `REQUEST_NOT_FINISHED` as they are
 */
export async function pollResult(
  read: () => Promise<Response>,
  target: WaitOptions & { readonly flow: string; readonly requestId: string },
): Promise<unknown> {
  const timeoutMs = target.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await read();
      return response.headers.get('content-type')?.startsWith('application/json')
        ? await response.json()
        : Buffer.from(await response.arrayBuffer());
    } catch (error) {
      if (!(error instanceof DagflowError && error.code === ErrorCode.REQUEST_NOT_FINISHED))
        throw error;
    }
    if (Date.now() >= deadline) {
      throw new DagflowError(
        ErrorCode.WAIT_TIMEOUT,
        `Request ${target.requestId} of flow '${target.flow}' did not finish within ${timeoutMs} ms.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
