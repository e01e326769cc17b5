import type { FlowApi, FlowChange, RequestState } from '@dagflow/engine';
import type express from 'express';
import { type EventStream, openEventStream, throttled } from './event-stream.js';
import { param } from './request-params.js';

/** A request's state is pushed at most this often, however fast its nodes change. */
const STATE_GAP_MS = 150;
const ENDED = new Set(['completed', 'failed', 'stopped']);

/**
 * Live updates as Server-Sent Events, pushed from the engine's Redis pub/sub announcements:
 * - `GET /flow/:name/requests/:id/events`: `state` events with the request's whole state, at once and
 *   after every change (at most every 150 ms), then `end` once the request completed, failed or stopped;
 * - `GET /flow/:name/events`: a `request` event `{ requestId, status }` whenever a request of the flow
 *   is created (`pending`) or changes status.
 * Errors before the stream opens (unknown flow or request) answer like any other route.
 */
export function liveRoutes(app: express.Express, service: FlowApi): void {
  app.get('/flow/:name/requests/:id/events', async (req, res) => {
    const name = param(req, 'name');
    const id = param(req, 'id');
    const first = await service.state(name, id);
    const stream = openEventStream(req, res);
    const send = (state: RequestState): boolean => {
      stream.send('state', state);
      if (!ENDED.has(state.status)) return false;
      stream.send('end', { status: state.status });
      stream.close();
      return true;
    };
    if (send(first)) return;
    const push = throttled(async () => {
      send(await service.state(name, id));
    }, STATE_GAP_MS);
    const unwatch = await service.watch(name, id, push);
    stream.onClose(() => void unwatch());
    // A change between the first read and the subscription is not announced again: read once more.
    push();
  });

  app.get('/flow/:name/events', async (req, res) => {
    const name = param(req, 'name');
    // Subscribed before the stream opens (its client may act as soon as it opens, and must hear of
    // it); what is announced meanwhile waits, and FLOW_NOT_FOUND still answers as an error.
    const early: FlowChange[] = [];
    const sink: { stream?: EventStream } = {};
    const unwatch = await service.watchFlow(name, (change) => {
      if (sink.stream === undefined) early.push(change);
      else sink.stream.send('request', change);
    });
    const stream = openEventStream(req, res);
    sink.stream = stream;
    for (const change of early.splice(0)) stream.send('request', change);
    stream.onClose(() => void unwatch());
  });
}
