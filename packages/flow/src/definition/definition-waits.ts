// The nodes of a declarative definition that wait instead of running an operation: signals, event
// waits, sleeps and child flows. Only what is data is declarable: fallbacks and schemas stay in code.
import type { Dag } from '../dag.js';
import { fail, onlyKeys, optionalNumber, record, text } from './definition-fields.js';

/** The fields of a `waitFor` node, as `dag.waitFor` takes them. */
const WAIT_FOR_FIELDS = ['event', 'match', 'timeoutMs', 'lookbackMs'];

/** Adds a signal, event-wait, sleep or child-flow node; false for other kinds. */
export function addWaitNode(
  dag: Dag,
  node: Record<string, unknown>,
  id: string,
  at: string,
): boolean {
  if (node['signal'] !== undefined) {
    dag.signal(
      id,
      optionalNumber(record(node['signal'], `${at}.signal`), 'timeoutMs', `${at}.signal`),
    );
    return true;
  }
  if (node['waitFor'] !== undefined) {
    addEventWait(dag, record(node['waitFor'], `${at}.waitFor`), id, `${at}.waitFor`);
    return true;
  }
  if (node['sleepMs'] !== undefined) {
    if (typeof node['sleepMs'] !== 'number') fail(`${at}.sleepMs`, 'must be a number');
    dag.sleep(id, node['sleepMs']);
    return true;
  }
  if (node['flow'] === undefined) return false;
  dag.flow(id, text(node['flow'], `${at}.flow`));
  return true;
}

/**
 * An event wait (`dag.waitFor`): `event`, and optionally `match` (dotted path of the event -> `$.path`
 * of the node's input), `timeoutMs` and `lookbackMs`. The shapes are checked here (naming the field);
 * the values by `dag.waitFor` (`DAG_INVALID_OPTION` naming the node).
 */
function addEventWait(dag: Dag, wait: Record<string, unknown>, id: string, at: string): void {
  onlyKeys(wait, WAIT_FOR_FIELDS, at);
  const event = text(wait['event'], `${at}.event`);
  const match: Record<string, string> = {};
  if (wait['match'] !== undefined) {
    for (const [key, value] of Object.entries(record(wait['match'], `${at}.match`)))
      match[key] = text(value, `${at}.match.${key}`);
  }
  dag.waitFor(id, {
    event,
    ...(wait['match'] === undefined ? {} : { match }),
    ...optionalNumber(wait, 'timeoutMs', at),
    ...optionalNumber(wait, 'lookbackMs', at),
  });
}
