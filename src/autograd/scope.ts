/**
 * Scopes: tensors created while a scope runs are freed when it ends, except
 * those it returns. Scopes nest; what a scope keeps joins the enclosing one.
 */
import { Tensor } from '../tensor';

let current: Tensor[] | null = null;

/** Registers a new user-visible tensor with the innermost scope; false when no scope is running. */
export function track(t: Tensor): boolean {
  if (current === null) return false;
  current.push(t);
  return true;
}

/** Tensors reachable from a value: the value itself, arrays, plain objects, Maps. */
function collect(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, into, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, into, depth + 1);
  }
}

/**
 * Runs `fn`; every tensor it creates and does not return is disposed when it
 * ends (also when it throws). Returned tensors (alone, or inside arrays,
 * plain objects or Maps) survive and belong to the enclosing scope.
 * `fn` must be synchronous: a returned Promise is refused.
 */
export function scope<T>(fn: () => T): T {
  return runScoped(fn, current);
}

/** Like scope, but kept tensors are handed to `outer` (null: to nobody). */
export function runScoped<T>(fn: () => T, outer: Tensor[] | null): T {
  const previous = current;
  const mine: Tensor[] = [];
  current = mine;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = previous;
    for (const t of mine) t.dispose();
    throw e;
  }
  current = previous;
  if (result instanceof Promise) {
    for (const t of mine) t.dispose();
    throw new TypeError('scope: the function must be synchronous (it returned a Promise); tensors it created were disposed');
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of mine) {
    if (!keep.has(t)) t.dispose();
    else if (outer !== null) outer.push(t);
    else t.joinSafetyNet();
  }
  return result;
}

/**
 * Internal: runs an op's body so that a throw (a bad shape found late, an
 * out-of-memory in its third allocation) frees every tensor it had created;
 * on success they belong to the caller, as if the caller had made them.
 */
export function atomic<T>(fn: () => T): T {
  const previous = current;
  const mine: Tensor[] = [];
  current = mine;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = previous;
    for (const t of mine) t.dispose();
    throw e;
  }
  current = previous;
  for (const t of mine) {
    if (t.disposed) continue;
    if (previous !== null) previous.push(t);
    else t.joinSafetyNet();
  }
  return result;
}

/** Runs fn with no scope tracking (tensors it makes belong to the caller). */
export function untracked<T>(fn: () => T): T {
  const previous = current;
  current = null;
  try {
    return fn();
  } finally {
    current = previous;
  }
}
