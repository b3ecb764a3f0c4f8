/**
 * Reverse-mode autograd. An op whose inputs require grad records a Node on
 * its output: the edges to its inputs (their nodes, or the leaf tensors whose
 * .grad receives the result), the tensors its backward saved, and the
 * backward closure. backward() walks the graph from the root in reverse
 * topological order without recursion, frees each gradient and each node's
 * saved tensors as soon as they are no longer needed, and accumulates into
 * the leaves' .grad.
 */
import { Tensor } from '../tensor';
import { fmtShape, sameShape, type Shape } from '../shape';
import { runScoped, untracked } from './scope';
import { addInto_, binary } from '../drivers/elementwise';
import { sumTo } from '../drivers/reduce';
import { contiguousCopy, filled } from '../drivers/copy';
import { boolean, func, nullable, options, param, tensor } from '../validate';

/** Gradients of the op's inputs, one per input (null where none flows), given the output's gradient. */
export type Backward = (grad: Tensor) => (Tensor | null)[];

export class Node {
  /** Output handles and downstream nodes holding this node. */
  refs = 1;
  /** Saved tensors freed: backward through this node is no longer possible. */
  freed = false;
  constructor(
    readonly name: string,
    /** Per input: its node, the leaf itself, or null when it needs no gradient. */
    readonly edges: (Node | Tensor | null)[],
    /** Input shapes: a gradient is summed down to its input's shape. */
    readonly shapes: Shape[],
    readonly saved: Tensor[],
    readonly backward: Backward,
  ) {}

  /** Frees the saved tensors. */
  releaseSaved(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.saved) t.dispose();
    this.saved.length = 0;
  }
}

/** Drops one reference; a node nobody holds frees its saved tensors and lets go of its inputs. */
export function releaseNode(node: Node): void {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (--n.refs > 0) continue;
    n.releaseSaved();
    for (const e of n.edges) if (e instanceof Node) stack.push(e);
    n.edges.length = 0;
  }
}

let gradEnabled = true;

/**
 * Whether ops record the autograd graph now (false inside noGrad(), true by default and inside enableGrad()).
 * @example noGrad(() => isGradEnabled())   // false
 */
export const isGradEnabled = (): boolean => gradEnabled;

/** Runs fn with graph recording switched on or off, restoring the previous mode after. */
function withGradMode<T>(enabled: boolean, fn: () => T): T {
  func(fn, { where: enabled ? 'enableGrad' : 'noGrad', name: 'fn' });
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Runs fn without recording a graph (like torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with graph recording on, even inside noGrad (like torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Whether an op over these inputs must record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t != null && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a node to `out` (which then requires grad). `saved` are handles the
 * backward uses (made with keep()); they are freed with the node.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], saved: Tensor[], backward: Backward): Tensor {
  const edges = inputs.map((t) => {
    if (!t.requiresGrad) return null;
    if (t.gradNode !== null) {
      t.gradNode.refs++;
      return t.gradNode;
    }
    return t;
  });
  out.attachNode(new Node(name, edges, inputs.map((t) => t.shape), saved, backward));
  return out;
}

/**
 * Options of Tensor.backward(gradient?, opts).
 * @example loss.backward(undefined, { retainGraph: true })
 */
export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. */
  retainGraph?: boolean;
}

/** Reverse-mode sweep from `root` with seed gradient `grad` (1 for a scalar root). */
export function runBackward(root: Tensor, grad: Tensor | undefined, opts?: BackwardOptions): void {
  root.assertAlive('backward');
  nullable(tensor)(grad, { where: 'backward', name: 'gradient' });
  const { retainGraph } = options('backward', opts, { retainGraph: param(boolean, false) });
  if (!root.requiresGrad) {
    throw new Error('backward: the tensor does not require grad and has no gradFn (did you create it under noGrad, or from tensors without requiresGrad?)');
  }
  if (grad === undefined && root.numel() !== 1) {
    throw new Error(`backward: grad can be implicitly created only for a tensor of one element; got shape ${fmtShape(root.shape)}, pass a gradient`);
  }
  if (grad !== undefined) {
    grad.assertAlive('backward');
    if (!sameShape(grad.shape, root.shape)) {
      throw new RangeError(`backward: gradient shape ${fmtShape(grad.shape)} does not match the tensor's shape ${fmtShape(root.shape)}`);
    }
  }
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    untracked(() => walk(root, grad ?? undefined, retainGraph));
  } finally {
    gradEnabled = previous;
  }
}

function walk(root: Tensor, seed: Tensor | undefined, retain: boolean): void {
  const g0 = seed === undefined ? filled(root.shape, 1) : contiguousCopy(seed);
  if (root.gradNode === null) {
    accumulateLeaf(root, g0);
    return;
  }
  const order = topoOrder(root.gradNode);
  for (const n of order) {
    if (n.freed) {
      g0.dispose();
      throw new Error(
        `backward: trying to backward through the graph a second time (the saved tensors of ${n.name} were freed); ` +
          'pass {retainGraph: true} to the first backward if you need to',
      );
    }
  }
  const grads = new Map<Node, Tensor>([[root.gradNode, g0]]);
  try {
    for (const node of order) {
      const g = grads.get(node);
      if (g === undefined) {
        if (!retain) node.releaseSaved();
        continue;
      }
      // g stays in the map until its backward returns, so a backward that throws leaves it to the clean-up below
      offered = { node, grads };
      let inputGrads: (Tensor | null)[];
      try {
        inputGrads = runScoped(() => node.backward(g), null);
      } finally {
        offered = null;
      }
      grads.delete(node);
      let handedOn = false, i = 0, pending: Tensor | null = null;
      try {
        for (; i < node.edges.length; i++) {
          const edge = node.edges[i];
          let gi = inputGrads[i] ?? null;
          if (gi === null) continue;
          // a handle the backward returns again for a later input stays alive for it (this input
          // gets an alias); the incoming gradient, returned, is handed on (not freed below)
          const later = inputGrads.indexOf(gi, i + 1) > i;
          if (edge === null) {
            if (gi !== g && !later) gi.dispose();
            continue;
          }
          const own = !later && gi === g;
          if (later) gi = gi.alias();
          pending = gi;
          if (!sameShape(gi.shape, node.shapes[i])) {
            const r = sumTo(gi, node.shapes[i]);
            gi.dispose();
            gi = pending = r;
          }
          handTo(edge, gi, grads);
          pending = null;
          if (own) handedOn = true;
        }
      } catch (e) {
        // the gradients not handed to an input yet are freed (dispose is idempotent)
        pending?.dispose();
        for (let j = i + 1; j < inputGrads.length; j++) inputGrads[j]?.dispose();
        if (!handedOn) g.dispose();
        throw e;
      }
      if (!handedOn) g.dispose();
      if (!retain) node.releaseSaved();
    }
  } finally {
    for (const t of grads.values()) t.dispose();
  }
}

/** The node whose backward is running and the pending gradients, while pendingGradient may offer them. */
let offered: { node: Node; grads: Map<Node, Tensor> } | null = null;

/**
 * For the backward running now: input i's pending gradient (the sum of what
 * later ops sent it so far) when its buffer is its own, contiguous and of the
 * input's shape, and no other input of this op is the same node; else null.
 * A backward may add its gradient for input i into that buffer and return
 * the tensor itself for input i (the graph then has nothing to add); the
 * sum is the same bits as returning a new tensor, which the graph adds.
 */
export function pendingGradient(i: number): Tensor | null {
  if (offered === null) return null;
  const { node, grads } = offered;
  const edge = node.edges[i];
  if (edge === null || edge === undefined || edge instanceof Tensor || node.edges.some((e, j) => j !== i && e === edge)) return null;
  const acc = grads.get(edge);
  return acc !== undefined && acc.isOwnedContiguous() && sameShape(acc.shape, node.shapes[i]) ? acc : null;
}

/**
 * Gives gi (owned, the input's shape) to an input: a leaf's .grad, or the
 * node's pending sum (added to in place when that buffer is its own).
 */
function handTo(edge: Node | Tensor, gi: Tensor, grads: Map<Node, Tensor>): void {
  if (edge instanceof Tensor) {
    accumulateLeaf(edge, gi);
    return;
  }
  const acc = grads.get(edge);
  if (acc === gi) return; // the backward added its gradient into the pending sum (pendingGradient)
  if (acc === undefined) {
    grads.set(edge, gi);
  } else if (acc.isOwnedContiguous() && sameShape(acc.shape, gi.shape)) {
    // the pending sum's buffer is its own: added to in place (the same bits, and no new buffer to fill)
    addInto_(acc, gi);
    gi.dispose();
  } else {
    grads.set(edge, binary('add_f32', acc, gi));
    acc.dispose();
    gi.dispose();
  }
}

/** Reverse postorder of the nodes reachable from `root`, found iteratively. */
function topoOrder(root: Node): Node[] {
  const post: Node[] = [];
  const visited = new Set<Node>([root]);
  const stack: [Node, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.edges.length) {
      top[1] = i + 1;
      const e = node.edges[i];
      if (e instanceof Node && !visited.has(e)) {
        visited.add(e);
        stack.push([e, 0]);
      }
    } else {
      stack.pop();
      post.push(node);
    }
  }
  return post.reverse();
}

/** leaf.grad += g (g is owned: stored as is when contiguous and unshared, else copied). */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad === null || leaf.grad.disposed) {
    leaf.grad = g.isOwnedContiguous() ? g : contiguousCopy(g);
    if (leaf.grad !== g) g.dispose();
  } else {
    addInto_(leaf.grad, g);
    g.dispose();
  }
}

