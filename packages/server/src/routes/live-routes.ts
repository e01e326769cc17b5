import type {
  FlowChange,
  LiveUpdate,
  LiveView,
  NodeState,
  RequestState,
  Unwatch,
} from '@dagflow/engine';
import { type EventStream, openEventStream } from '../http/event-stream.js';
import { takeStreamPlace } from '../http/stream-quota.js';
import { eventStreamSchema, workerListSchema } from '../contract/index.js';
import { flowParams, requestParams } from './request-routes.js';
import { type Route, defineRoute, sendJson } from './declaration/route.js';

const ENDED = new Set(['completed', 'failed', 'stopped']);
const stream = { 'text/event-stream': eventStreamSchema };
/** Nodes inside for-each items and branches a `state` event lists at most (the others are counted). */
const SNAPSHOT_NODES = 2_000;

const requestEvents = defineRoute({
  method: 'get',
  path: '/flow/:name/requests/:id/events',
  id: 'requestEvents',
  access: 'viewer',
  summary:
    "Live updates of a request (Server-Sent Events): `state` with the request's state once (at most " +
    `${SNAPSHOT_NODES} nodes inside for-each items and branches, \`omittedNodes\` counts the others), then ` +
    'only what changes, at most every 150 ms: `nodes` (`{ nodes: { [path]: nodeState } }`, the nodes ' +
    'whose state changed), `request` (`{ status, finishedAt?, error? }`), `state` again after a resume ' +
    'or rerun, and `end` (`{ status }`) once it completed, failed or stopped; the stream then closes. ' +
    'Every stream of a server process shares one subscription and one read per request. ' +
    '`429 TOO_MANY_STREAMS` past the per-token or per-server limit.',
  params: requestParams,
  answers: { 200: { description: 'The event stream.', content: stream } },
  calls: ['watchState'],
  errors: ['TOO_MANY_STREAMS'],
  async handle({ service, params, req, res }) {
    const { name, id } = params;
    const release = takeStreamPlace(req, res);
    const sink: { events?: EventStream; early: LiveUpdate[] } = { early: [] };
    const tell = (update: LiveUpdate): void => {
      const events = sink.events;
      if (events === undefined) return void sink.early.push(update);
      events.sendText(update.kind, serialized(update));
      const status =
        update.kind === 'nodes'
          ? undefined
          : update.kind === 'request'
            ? update.status
            : update.state.status;
      if (status !== undefined && ENDED.has(status)) {
        events.send('end', { status });
        events.close();
      }
    };
    let view: LiveView;
    try {
      // Unknown flows and requests answer as errors, before the stream opens.
      view = await service.watchState(name, id, tell);
    } catch (error) {
      release();
      throw error;
    }
    const events = openEventStream(req, res);
    events.onClose(release);
    events.onClose(() => void view.close());
    events.send('state', snapshot(view.state));
    if (ENDED.has(view.state.status)) {
      events.send('end', { status: view.state.status });
      events.close();
      return;
    }
    sink.events = events;
    for (const update of sink.early.splice(0)) tell(update);
  },
});

/** The JSON of an update, made once however many streams send it. */
const texts = new WeakMap<LiveUpdate, string>();
function serialized(update: LiveUpdate): string {
  let text = texts.get(update);
  if (text === undefined) {
    if (update.kind === 'state') text = JSON.stringify(snapshot(update.state));
    else if (update.kind === 'nodes') text = JSON.stringify({ nodes: update.nodes });
    else text = JSON.stringify({ ...update, kind: undefined });
    texts.set(update, text);
  }
  return text;
}

/**
 * The state a `state` event carries: every node outside for-each items and branches, and at most
 * {@link SNAPSHOT_NODES} inside them (`omittedNodes` counts the others; `GET .../requests/:id` has all).
 */
function snapshot(state: RequestState): RequestState & { readonly omittedNodes?: number } {
  const paths = Object.keys(state.nodes);
  if (paths.length <= SNAPSHOT_NODES) return state;
  const nodes: Record<string, NodeState> = {};
  let inner = 0;
  let omitted = 0;
  for (const path of paths) {
    const node = state.nodes[path];
    if (node === undefined) continue;
    const nested = path.includes('[') || path.includes('/');
    if (nested && inner >= SNAPSHOT_NODES) {
      omitted += 1;
      continue;
    }
    if (nested) inner += 1;
    nodes[path] = node;
  }
  return { ...state, nodes, omittedNodes: omitted };
}

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
  calls: ['describe', 'watchFlow'],
  errors: ['TOO_MANY_STREAMS'],
  async handle({ service, params, req, res }) {
    await service.describe(params.name); // FLOW_NOT_FOUND answers before a stream opens
    const release = takeStreamPlace(req, res);
    // Subscribed before the stream opens (its client may act as soon as it opens, and must hear of
    // it); what is announced meanwhile waits.
    const early: FlowChange[] = [];
    const sink: { events?: EventStream } = {};
    let unwatch: Unwatch;
    try {
      unwatch = await service.watchFlow(params.name, (change) => {
        if (sink.events === undefined) early.push(change);
        else sink.events.send('request', change);
      });
    } catch (error) {
      release();
      throw error;
    }
    const events = openEventStream(req, res);
    events.onClose(release);
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
  calls: ['workers'],
  async handle({ service, res }) {
    sendJson(res, 200, workerListSchema, { workers: await service.workers() });
  },
});

/** Live views: request and flow event streams, and the worker processes. */
export const liveRoutes: readonly Route[] = [requestEvents, flowEvents, workers];
