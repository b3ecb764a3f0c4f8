// Test harness shared by every runtime: uvu suites whose tests run inside a
// simdgrad scope and must leave the heap as they found it (same live
// tensors, same bytes in use, allocator invariants intact).
import { suite as uvuSuite } from 'uvu';
import * as sg from '../../dist/index.js';

export { sg };

// every test runs with heap canaries: a kernel writing past a tensor's end fails the next heap check
sg.setHeapDebug(true);

/**
 * A uvu suite whose `test(name, fn)` checks for leaks: a synchronous fn runs
 * in sg.scope (what it creates is freed when it returns), an async fn must
 * dispose what it creates. After fn, live tensors and bytes in use must be
 * back to where they were, and sg.checkHeap() must pass.
 */
export function suite(name) {
  const s = uvuSuite(name);
  const wrap = (fn) => async (ctx) => {
    const before = sg.memory();
    const r = fn.constructor.name === 'AsyncFunction' ? await fn(ctx) : sg.scope(() => { fn(ctx); });
    void r;
    const after = sg.memory();
    if (after.liveTensors !== before.liveTensors || after.bytesInUse !== before.bytesInUse) {
      throw new Error(
        `leak: live tensors ${before.liveTensors} -> ${after.liveTensors}, bytes in use ${before.bytesInUse} -> ${after.bytesInUse}`,
      );
    }
    sg.checkHeap();
  };
  const counted = (testName, fn) => async (ctx) => {
    const tally = (globalThis.__sg ??= { passed: 0, failed: 0, failures: [], hashes: {} });
    try {
      await fn(ctx);
      tally.passed++;
    } catch (e) {
      tally.failed++;
      tally.failures.push(`${name} > ${testName}: ${e && e.message}`);
      throw e;
    }
  };
  const test = (testName, fn) => s(testName, counted(testName, wrap(fn)));
  test.only = (testName, fn) => s.only(testName, counted(testName, wrap(fn)));
  test.skip = (testName, fn) => s.skip(testName, fn);
  test.run = () => s.run();
  return test;
}

/** Deterministic float generator (mulberry32) for test data. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** uniform in [lo, hi) */
    uniform: (lo = -1, hi = 1) => lo + (hi - lo) * next(),
    /** float32-representable uniforms */
    array: (n, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * next())),
    int: (n) => Math.floor(next() * n),
  };
}

/** Asserts |a - b| <= atol + rtol |b| elementwise; names the worst element. */
export function assertClose(actual, expected, { atol = 1e-5, rtol = 1e-4, what = 'value' } = {}) {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Asserts fn throws an error whose message matches every pattern. */
export function assertThrows(fn, ...patterns) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected an error matching ${patterns.join(', ')}, but nothing was thrown`);
  for (const p of patterns) {
    const ok = p instanceof RegExp ? p.test(err.message) : err.message.includes(p);
    if (!ok) throw new Error(`error message "${err.message}" does not match ${p}`);
  }
  return err;
}

/** fn's result at `threads` threads with every kernel split however small (for thread bit-identity tests). */
export function atThreads(threads, fn) {
  const prevN = sg.setNumThreads(threads), prevWork = sg.setMinWorkPerThread(0);
  try {
    return fn();
  } finally {
    sg.setNumThreads(prevN);
    sg.setMinWorkPerThread(prevWork);
  }
}
