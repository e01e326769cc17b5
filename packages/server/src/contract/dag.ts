/**
 * The API contract's DAG descriptions (`GET /flows/:name`): vertices, edges, nested DAGs. Re-exported
 * by `contract.ts`.
 * @module
 */
import type {
  DagDescription as FlowDagDescription,
  NodeDescription as FlowNodeDescription,
} from '@dagflow/flow';
import { z } from 'zod';

/** A flow's input as JSON Schema, when its `input` schema can give one. */
export const jsonSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: "The flow input's JSON Schema (draft 2020-12)." });

/** An edge of a DAG description. */
export const edgeDescriptionSchema = z.object({
  from: z.string(),
  to: z.string(),
  forward: z.literal(true).optional(),
  executionOnly: z.literal(true).optional(),
});

/**
 * One vertex of a DAG description; sub-DAGs, branches and for-each bodies nest. Typed as
 * `@dagflow/flow`'s description (which the compiler checks), as a recursive type cannot be inferred.
 */
export const nodeDescriptionSchema: z.ZodType<FlowNodeDescription> = z.object({
  id: z.string(),
  kind: z.enum(['task', 'subdag', 'branch', 'foreach']),
  parents: z.array(z.string()),
  aggregator: z.boolean(),
  retries: z.number().optional(),
  timeoutMs: z.number().optional(),
  backoff: z.object({ type: z.enum(['fixed', 'exponential']), delayMs: z.number() }).optional(),
  fallback: z.boolean().optional(),
  compensate: z.boolean().optional(),
  queue: z.string().optional(),
  delayMs: z.number().optional(),
  cache: z.object({ ttlMs: z.number() }).optional().meta({
    description: 'The task caches its results this long (its key function stays in code).',
  }),
  wait: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('signal'), timeoutMs: z.number().optional() }),
      z.object({
        kind: z.literal('event'),
        event: z.string(),
        match: z.record(z.string(), z.string()),
        timeoutMs: z.number().optional(),
        lookbackMs: z.number().optional(),
      }),
      z.object({ kind: z.literal('sleep'), ms: z.number() }),
      z.object({ kind: z.literal('flow'), flow: z.string() }),
    ])
    .optional()
    .meta({
      description: 'What the node waits for: a signal, an event, a sleep or a child request.',
    }),
  get dag() {
    return dagDescriptionSchema.optional();
  },
  get branches() {
    return z.record(z.string(), dagDescriptionSchema).optional();
  },
  maxConcurrency: z.number().optional(),
});

/** A DAG as JSON: vertices in topological order, edges, roots and terminals. */
export const dagDescriptionSchema: z.ZodType<FlowDagDescription> = z.object({
  nodes: z.array(nodeDescriptionSchema),
  edges: z.array(edgeDescriptionSchema),
  roots: z.array(z.string()),
  terminals: z.array(z.string()),
  inputSchema: jsonSchema.optional(),
  batch: z
    .object({ maxSize: z.number(), maxWaitMs: z.number(), keyed: z.literal(true).optional() })
    .optional()
    .meta({ description: "The flow's batch option: executes run together (docs/batches.md)." }),
});
