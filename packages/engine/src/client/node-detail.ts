import { DagflowError, ErrorCode } from '@dagflow/flow';
import { decode } from '../format/codec.js';
import type { PlanSource } from '../registry/plan-source.js';
import { START } from '../plan/paths.js';
import { inputFields } from '../plan/inputs.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { StartStep, TaskStep } from '../plan/steps.js';
import { planOfRequest, requestState } from './request-api.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { NodeDetail } from '../types/types.js';
import { stepField, StepField } from '../format/layout.js';
import { readNodeLogs } from '../store/node-logs.js';

/** Where a request, and one node path in it, are. */
export interface NodeTarget {
  readonly flow: string;
  readonly requestId: string;
  readonly path: string;
}

/**
 * One node of a request: its state, its input as its parents gave it (before edge `forward` transforms
 * and aggregators, which live in the flow's code), and its output once stored.
 */
export async function nodeDetailOf(
  res: ServiceResources,
  plans: PlanSource,
  target: NodeTarget,
): Promise<NodeDetail> {
  const { flow, requestId, path } = target;
  const state = await requestState(res, plans, flow, requestId);
  const node = state.nodes[path];
  const plan = await planOfRequest(res, plans, flow, requestId);
  const step = node === undefined ? undefined : inputStepOf(plan, path);
  if (node === undefined || step === undefined) {
    throw new DagflowError(
      ErrorCode.NODE_NOT_FOUND,
      `Request '${requestId}' of flow '${flow}' has no node '${path}'.`,
      { details: { flow, requestId, path } },
    );
  }
  const [output, override, ...inputs] = await res.store.readData(flow, requestId, [
    stepField(StepField.output, path),
    stepField(StepField.input, step.path),
    ...inputFields(step.step, step.keys),
  ]);
  const input = inputOf(step.step, override ?? null, inputs);
  const logs = await readNodeLogs(res.redis, res.keys, {
    flow,
    requestId,
    path,
    attempts: node.attempts,
  });
  return {
    path,
    state: node,
    ...(input === undefined ? {} : { input: input.value }),
    ...(output == null ? {} : { output: decode(output) }),
    ...(logs.length === 0 ? {} : { logs }),
  };
}

/** The step that computes a vertex's input: the task itself, or a composite vertex's start step. */
function inputStepOf(
  plan: FlowPlan,
  path: string,
): { step: TaskStep | StartStep; keys: readonly string[]; path: string } | undefined {
  const own = plan.resolve(path);
  if (own?.step.kind === 'task') return { step: own.step, keys: own.keys, path };
  const start = plan.resolve(`${path}${START}`);
  return start?.step.kind === 'start'
    ? { step: start.step, keys: start.keys, path: start.path }
    : undefined;
}

/** The input a rerun gave, else the scope's input or the parents' outputs; undefined before any exists. */
function inputOf(
  step: TaskStep | StartStep,
  override: string | null,
  inputs: readonly (string | null)[],
): { value: unknown } | undefined {
  if (override !== null) return { value: decode(override) };
  if (inputs.every((value) => value === null)) return undefined;
  if (step.parents.length <= 1) return { value: decode(inputs[0] ?? 'null') };
  return {
    value: Object.fromEntries(
      step.parents.map((parent, i) => [parent.id, decode(inputs[i] ?? 'null')]),
    ),
  };
}
