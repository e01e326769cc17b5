import type { FlowChange, RequestState } from '@dagflow/engine';
import { type EventStream, openEventStream, throttled } from './event-stream.js';
import { eventStreamSchema, workerListSchema } from './contract.js';
import { flowParams, requestParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './route.js';

/** A request's state is pushed at most this often, however fast its nodes change. */
const STATE_GAP_MS = 150;
const ENDED = new Set(['completed', 'failed', 'stopped']);
const stream = { 'text/event-stream': eventStreamSchema };

const requestEvents = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id/events',
  id: 'requestEvents',
  access: 'viewer',
  summary:
    "Live updates of a request (Server-Sent Events): `state` with the request's whole state at once " +
    'and after every node change (at most every 150 ms, pushed from Redis pub/sub), then `end` ' +
    '(`{ status }`) once it completed, failed or stopped, and the stream closes.',
  params: requestParams,
  answers: { 200: { description: 'The event stream.', content: stream } },
  errors: ['FLOW_NOT_FOUND', 'REQUEST_NOT_FOUND'],
  async handle({ service, params, req, res }) {
    const { name, id } = params;
    // Unknown flows and requests answer as errors, before the stream opens.
    const first = await service.state(name, id);
    const events = openEventStream(req, res);
    const send = (state: RequestState): boolean => {
      events.send('state', state);
      if (!ENDED.has(state.status)) return false;
      events.send('end', { status: state.status });
      events.close();
      return true;
    };
    if (send(first)) return;
    const push = throttled(async () => {
      send(await service.state(name, id));
    }, STATE_GAP_MS);
    const unwatch = await service.watch(name, id, push);
    events.onClose(() => void unwatch());
    // A change between the first read and the subscription is not announced again: read once more.
    push();
  },
});

const flowEvents = defineRoute({
  method: 'get',
  path: '/flow/:name/events',
  id: 'flowEvents',
  access: 'viewer',
  summary:
    "Live announcements of a flow's requests (Server-Sent Events): `request` " +
    '(`{ requestId, status }`) when one is created (`pending`) and at every status change.',
  params: flowParams,
  answers: { 200: { description: 'The event stream.', content: stream } },
  errors: ['FLOW_NOT_FOUND'],
  async handle({ service, params, req, res }) {
    await service.describe(params.name); // FLOW_NOT_FOUND answers before a stream opens
    // Subscribed before the stream opens (its client may act as soon as it opens, and must hear of
    // it); what is announced meanwhile waits.
    const early: FlowChange[] = [];
    const sink: { events?: EventStream } = {};
    const unwatch = await service.watchFlow(params.name, (change) => {
      if (sink.events === undefined) early.push(change);
      else sink.events.send('request', change);
    });
    const events = openEventStream(req, res);
    sink.events = events;
    for (const change of early.splice(0)) events.send('request', change);
    events.onClose(() => void unwatch());
  },
});

const workers = defineRoute({
  method: 'get',
  path: '/workers',
  id: 'listWorkers',
  access: 'viewer',
  summary:
    'Live worker processes: host, pid, engine version, start, last heartbeat, the queues they serve ' +
    'and the nodes they run now (refreshed with each heartbeat, every 5 s).',
  answers: {
    200: { description: 'The workers.', content: { 'application/json': workerListSchema } },
  },
  errors: [],
  async handle({ service, res }) {
    sendJson(res, 200, workerListSchema, { workers: await service.workers() });
  },
});

/** Live views: request and flow event streams, and the worker processes. */
export const liveRoutes: readonly Route[] = [requestEvents, flowEvents, workers];
