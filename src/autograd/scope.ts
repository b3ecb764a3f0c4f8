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
  if (typeof fn !== 'function') throw new TypeError(`scope: expects a function, as in scope(() => { ... }), got ${fn === null ? 'null' : typeof fn}`);
  return runScoped(fn, current);
}

/** Runs fn collecting the tensors it creates; if it throws, they are disposed. */
function collecting<T>(fn: () => T): { result: T; made: Tensor[] } {
  const previous = current;
  const made: Tensor[] = [];
  current = made;
  try {
    return { result: fn(), made };
  } catch (e) {
    for (const t of made) t.dispose();
    throw e;
  } finally {
    current = previous;
  }
}

/** Hands a tensor made inside a scope to `outer`, or to the garbage-collection safety net when there is none. */
function handOver(t: Tensor, outer: Tensor[] | null): void {
  if (outer !== null) outer.push(t);
  else t.joinSafetyNet();
}

/** Like scope, but kept tensors are handed to `outer` (null: to nobody). */
export function runScoped<T>(fn: () => T, outer: Tensor[] | null): T {
  const { result, made } = collecting(fn);
  if (result instanceof Promise) {
    for (const t of made) t.dispose();
    throw new TypeError('scope: the function must be synchronous (it returned a Promise); tensors it created were disposed');
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of made) {
    if (keep.has(t)) handOver(t, outer);
    else t.dispose();
  }
  return result;
}

/**
 * Internal: runs an op's body so that a throw (a bad shape found late, an
 * out-of-memory in its third allocation) frees every tensor it had created;
 * on success the live ones belong to the caller, as if the caller had made them.
 */
export function atomic<T>(fn: () => T): T {
  const { result, made } = collecting(fn);
  for (const t of made) if (!t.disposed) handOver(t, current);
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
