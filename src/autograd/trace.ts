/**
 * The hook points of export tracing. While exportOnnx (src/io/onnx.ts)
 * records a forward pass, `tracer` is set: ops report each result they
 * computed with `traced(out, op, inputs, attrs)`, and Module.call routes
 * module calls through `tracer.module`. Otherwise `tracer` is null and a hook
 * costs one comparison.
 *
 * An op reports itself after it has computed its result, so an op built from
 * other traced ops reports after them: the tracer keeps the outermost report
 * for a tensor (the inner ones become dead graph nodes and are pruned).
 */
import type { Tensor } from '../tensor';
import type { Module } from '../nn/module';

/** An op's settings as the tracer sees them (dims, strides, eps, ...). */
export type TraceAttrs = object;

export interface Tracer {
  /** `out` = op(inputs) with these settings (null for an absent optional input, such as a bias). */
  op(name: string, inputs: readonly (Tensor | null)[], out: Tensor, attrs: TraceAttrs): void;
  /** Runs m.forward(...inputs) under the tracer (which may record the module as a whole). */
  module(m: Module, inputs: Tensor[]): Tensor;
}

const NO_ATTRS: TraceAttrs = Object.freeze({});

/** The active tracer, or null (the usual case). */
export let tracer: Tracer | null = null;

/** Installs a tracer (null removes it); returns the previous one. */
export function setTracer(t: Tracer | null): Tracer | null {
  const previous = tracer;
  tracer = t;
  return previous;
}

/** Reports `out` = op(inputs) to the active tracer, if any; returns out. */
export function traced(out: Tensor, op: string, inputs: readonly (Tensor | null)[], attrs: TraceAttrs = NO_ATTRS): Tensor {
  if (tracer !== null) tracer.op(op, inputs, out, attrs);
  return out;
}
