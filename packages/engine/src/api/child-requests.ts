import type { FlowClient } from './flow-client.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { ChildRequests } from '../worker/step/executor-deps.js';

/** The child requests of child-flow nodes, started and read through a service's client side. */
export function childRequestsOf(client: FlowClient, res: ServiceResources): ChildRequests {
  return {
    async start(flow, requestId, input, parent) {
      await client.execute(flow, input, { requestId, parent });
    },
    find: (flow, parent) => res.store.findChild(flow, parent),
    result: (flow, requestId) => client.result(flow, requestId),
  };
}
