import type { InferSchemaInput, InferSchemaOutput, StandardSchemaV1 } from '../standard-schema.js';
import { TypedFlow } from './typed-flow.js';

/** Starts a typed flow whose input is `In` (unchecked at run time). */
export function typedFlow<In = unknown>(): TypedFlow<In, In>;
/** Starts a typed flow whose input a Standard Schema checks at execute; nodes get the schema's output. */
export function typedFlow<S extends StandardSchemaV1>(options: {
  readonly input: S;
}): TypedFlow<InferSchemaInput<S>, InferSchemaOutput<S>>;
export function typedFlow(options?: {
  readonly input: StandardSchemaV1;
}): TypedFlow<unknown, unknown> {
  return new TypedFlow(options?.input);
}

/** The input type of a typed flow (what `execute` takes). */
export type FlowInput<F extends { readonly inputType: unknown }> = F['inputType'];

/** The result type of a typed flow (what `waitForResult` gives). */
export type FlowResult<F extends { readonly resultType: unknown }> = F['resultType'];
