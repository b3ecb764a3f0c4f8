/**
 * The worker pool: up to getNumThreads() - 1 workers (node:worker_threads in
 * Node and Deno, where it needs no permission and lets idle workers be
 * unref()'d; module Web Workers from a Blob URL in browsers) over the
 * engine's shared memory, created on the first parallel call. Each worker
 * gets the compiled kernel modules and the memory once (postMessage; nothing
 * is recompiled from bytes) and then waits for tasks (task.ts, worker-main.ts).
 *
 * A task (runTask) is a list of pieces, each a list of kernel calls: the
 * calling thread and the workers that join take the pieces one at a time
 * until none is left, so a core that runs slower (another process on it, a
 * late wake-up) takes fewer. The caller then gives up on workers that have
 * not joined yet and waits for the others on the control block's PENDING
 * word, with Atomics.wait where the thread may block (Node, Deno, workers)
 * and by spinning on Atomics.load where it may not (a browser's main
 * thread). Node workers are unref()'d: idle ones never keep the process
 * alive. Layout of the control block and task buffer: src/runtime/task.ts.
 *
 * A worker that exits clears its READY bit and fails its part of a task it
 * had joined (worker-main.ts), so the task throws instead of hanging; one
 * that had not joined is not waited for. The next parallel call replaces
 * exited workers. (A worker killed without running its exit hook while in a
 * task, which nothing in the package does, is not seen.)
 *
 * For tests, `globalThis.SIMDGRAD_TEST_WORKER_EXIT_ON_TASK = n` set before
 * workers start makes each exit (code 70) on joining its n-th task.
 */
import { heap, threadContext } from './engine';
import { KERNEL_NAMES, type Kernels } from './kernels.generated';
import { WORKER_SOURCE } from './worker-code.generated';
import { CTL_ASSIGNED, CTL_BYTE, CTL_ERROR, CTL_GEN, CTL_NEXT, CTL_PENDING, CTL_READY, CTL_TASK, CTL_WORDS, ERROR_CHARS, MAX_WORKERS, encodeCalls, encodedLength, leaveTask, readErrorText, takePieces, type Call } from './task';
import type { WorkerInit } from './worker-main';
import type { ThreadSupport } from './thread-support';

/**
 * What threadingStatus() reports about the kernel worker pool.
 * @example if (!threadingStatus().enabled) console.log(threadingStatus().reason)
 */
export interface ThreadingStatus {
  /** Whether kernels may run on several threads. */
  enabled: boolean;
  /** Threads used for large kernels (the calling thread included); 1 when disabled. */
  threads: number;
  /** Why threads are disabled ('' when enabled). */
  reason: string;
  /** Workers ready to take work at the current thread count (they start on the first parallel call). */
  workersReady: number;
  /** Kernel tasks run on more than one thread so far. */
  parallelTasks: number;
}

/** How long a thread that may block waits for freshly started workers before going on without them. */
const START_WAIT_MS = 5000;

let requested: number | undefined;
const workers: { terminate(): void }[] = [];
let ctlRef: Int32Array | undefined;
let canBlockRef: boolean | undefined;
let startError = '';
let tasksRun = 0;
/** Workers that have been seen ready: one of them whose READY bit is clear has exited. */
let seenReady = 0;
/** The ids 0 .. n-1 of readyWorkers() when all n wanted workers are ready. */
let allReady: number[] = [];

/** The control block: CTL_WORDS words at CTL_BYTE of the shared memory (they never move). */
function ctl(): Int32Array {
  return (ctlRef ??= new Int32Array(threadContext().memory.buffer, CTL_BYTE, CTL_WORDS));
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  if (canBlockRef === undefined) {
    try {
      Atomics.wait(ctl(), CTL_ERROR, -1, 0); // value differs: returns at once where waiting is allowed
      canBlockRef = true;
    } catch {
      canBlockRef = false;
    }
  }
  return canBlockRef;
}

let supportRef: ThreadSupport | undefined;

/** The runtime's thread support (fixed at engine init). */
function support(): ThreadSupport {
  return (supportRef ??= threadContext().support);
}

function possible(): boolean {
  return support().host !== 'none' && startError === '';
}

/** The thread count in use: setNumThreads' value (default: the number of cores), or 1 when threads are unavailable. */
export function getNumThreads(): number {
  if (!possible()) return 1;
  return Math.min(requested ?? support().cores, MAX_WORKERS + 1);
}

/**
 * Sets how many threads large kernels use (the calling thread included; at
 * most 32). 1 turns threads off. Returns the previous count. Results are
 * bit-identical for every count.
 */
export function setNumThreads(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`setNumThreads: n must be an integer >= 1, got ${typeof n === 'string' ? `'${n}'` : String(n)} (a ${typeof n})`);
  if (n < 1) throw new RangeError(`setNumThreads: n must be an integer >= 1, got ${n}`);
  if (n > MAX_WORKERS + 1) throw new RangeError(`setNumThreads: at most ${MAX_WORKERS + 1} threads, got ${n}`);
  const previous = getNumThreads();
  requested = n;
  return previous;
}

function readyMask(): number {
  return Atomics.load(ctl(), CTL_READY);
}

/** Whether threads are on, how many, and if not, why. */
export function threadingStatus(): ThreadingStatus {
  const { host, reason } = support();
  // workers beyond the current count (started under a larger one) take no work: not counted
  const wanted = getNumThreads() - 1;
  const base = { workersReady: host === 'none' ? 0 : popcount(readyMask() & (wanted >= 31 ? 0x7fffffff : (1 << wanted) - 1)), parallelTasks: tasksRun };
  if (host === 'none') return { enabled: false, threads: 1, reason, ...base };
  if (startError !== '') return { enabled: false, threads: 1, reason: startError, ...base };
  const threads = getNumThreads();
  if (threads === 1) return { enabled: false, threads: 1, reason: requested === 1 ? 'setNumThreads(1)' : 'one core', ...base };
  return { enabled: true, threads, reason: '', ...base };
}

function popcount(x: number): number {
  let n = 0;
  for (; x !== 0; x &= x - 1) n++;
  return n;
}

type NodeWorkerCtor = new (code: string, opts: { eval: boolean }) => {
  postMessage(m: unknown): void;
  unref(): void;
  on(ev: 'error', fn: (e: Error) => void): void;
  terminate(): void;
};

/** Starts worker `id` and sends it the modules and the memory. */
function spawn(id: number): void {
  const { memory, modules } = threadContext();
  const { host, NodeWorker } = support();
  const init: WorkerInit = { id, memory, modules, exitOnTask: (globalThis as { SIMDGRAD_TEST_WORKER_EXIT_ON_TASK?: number }).SIMDGRAD_TEST_WORKER_EXIT_ON_TASK ?? 0 };
  // an error before the worker ever became ready turns threads off (with the
  // reason); a worker that fails later has exited and is replaced
  const fail = (e: unknown): void => {
    if ((seenReady & (1 << id)) === 0) startError = `worker ${id} failed: ${e instanceof Error ? e.message : String((e as { message?: string })?.message ?? e)}`;
  };
  if (host === 'node') {
    const Ctor = NodeWorker as NodeWorkerCtor;
    // the eval'd code may run as CommonJS or (under --input-type=module, inherited) as a module: import() works in both
    const w = new Ctor(`${WORKER_SOURCE}\nimport('node:worker_threads').then((m) => simdgradWorker.start(m.parentPort));`, { eval: true });
    w.unref();
    w.on('error', fail);
    w.postMessage(init);
    workers[id] = w;
    return;
  }
  const code = `${WORKER_SOURCE}\nsimdgradWorker.start(self);`;
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const w = new Worker(url, { type: 'module' });
  w.onerror = (e) => fail(e);
  w.postMessage(init);
  workers[id] = w;
}

/**
 * Worker ids ready for work, at most getNumThreads() - 1; starts missing
 * workers first (and, where this thread may block, waits for them to start).
 */
function readyWorkers(): number[] {
  const want = getNumThreads() - 1;
  if (want <= 0) return [];
  const full = want >= 31 ? 0x7fffffff : (1 << want) - 1;
  // the common case, on every parallel call: all wanted workers are up
  if ((readyMask() & full) === full && (seenReady & full) === full) {
    if (allReady.length !== want) allReady = Array.from({ length: want }, (_, id) => id);
    return allReady;
  }
  replaceExited();
  let started = false;
  for (let id = 0; id < want; id++) {
    if (workers[id] === undefined) {
      spawn(id);
      started = true;
    }
  }
  // node:worker_threads start on their own; a Web Worker created inside a
  // worker starts only once its parent returns to the event loop, so blocking
  // here would just time out: there the first calls run on fewer lanes
  if (started && canBlock() && support().host === 'node') {
    const until = Date.now() + START_WAIT_MS;
    for (let r = readyMask(); (r & full) !== full && Date.now() < until && startError === ''; r = readyMask()) {
      Atomics.wait(ctl(), CTL_READY, r, 50);
    }
  }
  const mask = readyMask() & full;
  seenReady |= mask;
  const ids: number[] = [];
  for (let id = 0; id < want; id++) if (mask & (1 << id)) ids.push(id);
  return ids;
}

/** Forgets workers that were ready and have exited, so that they are started again. */
function replaceExited(): void {
  const exited = seenReady & ~readyMask();
  if (exited === 0) return;
  for (let id = 0; id < workers.length; id++) {
    if (exited & (1 << id)) {
      workers[id]?.terminate();
      delete workers[id];
    }
  }
  seenReady &= ~exited;
}

/** Resolves once getNumThreads() - 1 workers are ready (starting them if needed); for tests and benchmarks. */
export async function threadsReady(timeoutMs = 10000): Promise<ThreadingStatus> {
  const until = Date.now() + timeoutMs;
  const want = getNumThreads() - 1;
  while (readyWorkers().length < want && Date.now() < until && startError === '') await new Promise((r) => setTimeout(r, 10));
  return threadingStatus();
}

/** Threads a task may use now: the calling thread plus the ready workers. */
export function availableThreads(): number {
  return possible() ? 1 + readyWorkers().length : 1;
}

/** Stops the workers (they restart on the next parallel call). */
export function terminateThreads(): void {
  for (const w of workers) w?.terminate();
  workers.length = 0;
  seenReady = 0;
  if (ctlRef !== undefined) Atomics.store(ctlRef, CTL_READY, 0);
}

let tableVariant = -1;
let table: ((...args: number[]) => void)[] = [];

/**
 * How long the caller polls PENDING, once no piece is left, before it
 * sleeps: a worker's last piece often ends within it (and, as for the
 * workers, polling longer took the core from other processes).
 */
const SPIN_MS = 0.05;

/**
 * Runs the pieces of kernel calls on this thread and up to `helpers` ready
 * workers, each thread taking the next piece left until none is (the
 * caller as well); returns when all are done. A kernel that throws in any
 * piece makes this throw (after every thread stopped); the pool stays usable.
 */
export function runTask(pieces: readonly (readonly Call[])[], helpers: number, kernelsOfVariant: Kernels): void {
  const { variant } = threadContext();
  if (variant !== tableVariant) {
    table = KERNEL_NAMES.map((n) => kernelsOfVariant[n] as (...args: number[]) => void);
    tableVariant = variant;
  }
  const ids = readyWorkers().slice(0, helpers);
  const c = ctl();
  const offsets: number[] = [];
  let floats = 3 + pieces.length;
  for (const calls of pieces) {
    offsets.push(floats);
    floats += encodedLength(calls);
  }
  const textAt = floats * 8;
  const h = heap();
  const base = h.alloc(textAt + 4 + 2 * ERROR_CHARS);
  let own: unknown = undefined;
  try {
    const f64 = new Float64Array(threadContext().memory.buffer, base, floats);
    f64[0] = variant;
    f64[1] = pieces.length;
    f64[2] = textAt;
    pieces.forEach((calls, p) => {
      f64[3 + p] = offsets[p];
      encodeCalls(f64, offsets[p], calls);
    });
    let mask = 0;
    for (const id of ids) mask |= 1 << id;
    Atomics.store(c, CTL_TASK, base);
    Atomics.store(c, CTL_ERROR, 0);
    Atomics.store(c, CTL_NEXT, 0);
    Atomics.store(c, CTL_PENDING, ids.length);
    Atomics.store(c, CTL_ASSIGNED, mask);
    Atomics.add(c, CTL_GEN, 1);
    Atomics.notify(c, CTL_GEN);
    tasksRun++;
    takePieces(c, pieces.length, (p) => {
      for (const [k, args] of pieces[p]) {
        try {
          table[k](...args);
        } catch (e) {
          own = new Error(`simdgrad: kernel ${KERNEL_NAMES[k]}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (in the calling thread)`, { cause: e });
          return own;
        }
      }
      return null;
    });
    // workers that have not joined yet are not waited for: no piece is left
    const late = Atomics.and(c, CTL_ASSIGNED, ~mask) & mask;
    for (let bits = late; bits !== 0; bits &= bits - 1) leaveTask(c);
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(c, CTL_PENDING) !== 0 && (!canBlock() || performance.now() < until));
    for (let p = Atomics.load(c, CTL_PENDING); p !== 0; p = Atomics.load(c, CTL_PENDING)) Atomics.wait(c, CTL_PENDING, p);
    const failed = Atomics.load(c, CTL_ERROR);
    if (failed !== 0) {
      const text = readErrorText(threadContext().memory.buffer, base + textAt);
      Atomics.store(c, CTL_ERROR, 0);
      throw new Error(`simdgrad: ${text} (in worker thread ${failed - 1})`);
    }
  } finally {
    h.release(base);
  }
  if (own !== undefined) throw own;
}
