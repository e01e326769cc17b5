import type { Request, Response } from 'express';

/** The open streams of each app, so that a closing server ends them at once (see {@link endStreams}). */
const openStreams = new WeakMap<object, Set<EventStream>>();

/** Ends every open stream of `app`: its server is closing, and would otherwise wait for their clients. */
export function endStreams(app: object): void {
  for (const stream of openStreams.get(app) ?? []) stream.close();
}

/** How often an idle stream sends a comment, so that proxies keep it open. */
const HEARTBEAT_MS = 15_000;

/** A Server-Sent Events stream on an HTTP answer. */
export interface EventStream {
  /** Sends one event with a JSON payload. */
  send(event: string, data: unknown): void;
  /** Sends one event whose payload is JSON text already (made once for many streams). */
  sendText(event: string, json: string): void;
  /** Sends one event with a JSON payload and an `id:` line (what `Last-Event-ID` hands back). */
  sendWithId(event: string, id: string, data: unknown): void;
  /** Resolves once the connection takes more (its buffer drained), or the stream ended. */
  writable(): Promise<void>;
  /** Ends the stream. */
  close(): void;
  /** Runs `cleanup` once when the stream ends, by {@link close} or by the client going away. */
  onClose(cleanup: () => void): void;
}

/** Answers `text/event-stream` and keeps the connection open until closed by either side. */
export function openEventStream(req: Request, res: Response): EventStream {
  const stream = streamOn(req, res);
  const streams = openStreams.get(req.app) ?? new Set<EventStream>();
  openStreams.set(req.app, streams);
  streams.add(stream);
  stream.onClose(() => streams.delete(stream));
  return stream;
}

function streamOn(req: Request, res: Response): EventStream {
  res.status(200);
  res.set({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const cleanups: (() => void)[] = [];
  let open = true;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const end = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
  req.on('close', end);
  return {
    send: (event, data) => {
      if (open) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    sendText: (event, json) => {
      if (open) res.write(`event: ${event}\ndata: ${json}\n\n`);
    },
    sendWithId: (event, id, data) => {
      if (open) res.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    writable: () =>
      !open || !res.writableNeedDrain
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = (): void => {
              res.off('drain', done);
              req.off('close', done);
              resolve();
            };
            res.once('drain', done);
            req.once('close', done);
          }),
    close: () => {
      end();
      res.end();
    },
    onClose: (cleanup) => {
      if (open) cleanups.push(cleanup);
      else cleanup();
    },
  };
}
