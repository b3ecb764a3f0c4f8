/**
 * The code of a pool worker (bundled by scripts/build-js.mjs into a string,
 * src/runtime/worker-code.generated.ts, that the pool starts from a Blob or
 * data URL). It receives the compiled kernel modules and the shared memory
 * once, instantiates every variant over that memory, sets its READY bit, and
 * then waits on the control block's GEN word: each bump of GEN is a task. If
 * its ASSIGNED bit is still set it joins (clearing the bit), takes pieces of
 * the task until none is left, records the first error in the control block,
 * and counts PENDING down. Between tasks it polls GEN for SPIN_MS before
 * sleeping in Atomics.wait, so a task that follows at once starts without a
 * wake-up.
 *
 * A worker that exits (process.exit, an error escaping this loop) still keeps
 * the protocol where the runtime lets it (process 'exit' in Node and Deno): it
 * clears its READY bit, fails its part of a task it had joined (failPart), and
 * gives up a task it was assigned but had not joined, so the caller gets an
 * Error or goes on instead of waiting forever.
 *
 * Kernels are instantiated directly with WebAssembly.Instance: the module
 * imports only env.memory (checked by scripts/build-wasm.mjs) and its exports
 * are plain functions, so nothing of the host-side loader is needed here.
 */
import { KERNEL_NAMES } from './kernels.generated';
import { CTL_ASSIGNED, CTL_BYTE, CTL_GEN, CTL_READY, CTL_TASK, CTL_WORDS, failPart, leaveTask, runEncoded, takePieces } from './task';

/** The one message a worker receives. */
export interface WorkerInit {
  id: number;
  memory: WebAssembly.Memory;
  /** Compiled modules per variant index (null: variant unsupported here). */
  modules: (WebAssembly.Module | null)[];
  /** Tests only: exit, as a dying worker would, on joining this many-th task (0: never). */
  exitOnTask: number;
}

/**
 * How long a worker polls for the next task before it sleeps (ms): long
 * enough for back-to-back kernels (a wake-up from Atomics.wait costs some
 * 20 µs a task on these machines: an add of 64K floats over 2 threads took
 * 38 µs sleeping, 17 µs polling), short enough to leave the core to other
 * processes (polling 0.5 ms made the MLP and CNN steps at 2 threads 3-9%
 * slower beside one busy process; 50 µs, even).
 */
const SPIN_MS = 0.05;

type ExitHooks = { process?: { on?(ev: 'exit', fn: (code: number) => void): void; exit?(code: number): void } };

type Fn = (...args: number[]) => void;

/** Returns once GEN differs from `seen`: polls for SPIN_MS, then sleeps. */
function waitForTask(ctl: Int32Array, seen: number): void {
  const until = performance.now() + SPIN_MS;
  while (Atomics.load(ctl, CTL_GEN) === seen) {
    if (performance.now() > until) {
      Atomics.wait(ctl, CTL_GEN, seen);
      return;
    }
  }
}

function serve(init: WorkerInit): void {
  const { id, memory } = init;
  const variants = init.modules.map((m) => {
    if (m === null) return null;
    const exports = new WebAssembly.Instance(m, { env: { memory } }).exports as Record<string, Fn>;
    return KERNEL_NAMES.map((n) => exports[n]);
  });
  // the control block sits near the start of the memory, which never moves
  const ctl = new Int32Array(memory.buffer, CTL_BYTE, CTL_WORDS);
  const bit = 1 << id;
  let seen = Atomics.load(ctl, CTL_GEN);
  let joined = false;
  let tasksJoined = 0;
  const { process } = globalThis as ExitHooks;
  process?.on?.('exit', (code) => {
    Atomics.and(ctl, CTL_READY, ~bit);
    const assigned = (Atomics.and(ctl, CTL_ASSIGNED, ~bit) & bit) !== 0;
    if (joined) failPart(ctl, memory.buffer, id, `worker exited (code ${code}) while running its part of the task`);
    else if (assigned) leaveTask(ctl);
    joined = false;
  });
  Atomics.or(ctl, CTL_READY, bit);
  Atomics.notify(ctl, CTL_READY);
  for (;;) {
    waitForTask(ctl, seen);
    const gen = Atomics.load(ctl, CTL_GEN);
    if (gen === seen) continue;
    seen = gen;
    if ((Atomics.and(ctl, CTL_ASSIGNED, ~bit) & bit) === 0) continue;
    joined = true;
    // the memory may have grown since the last task: take the current buffer
    const buffer = memory.buffer;
    let failure: string | null = null;
    try {
      if (++tasksJoined === init.exitOnTask) process?.exit?.(70);
      const base = Atomics.load(ctl, CTL_TASK);
      const f64 = new Float64Array(buffer, base);
      const fns = variants[f64[0]];
      if (fns === null) failure = 'task: kernel variant not available in this worker';
      else {
        const failed = takePieces(ctl, f64[1], (p) => runEncoded(f64, f64[3 + p], fns));
        if (failed !== null) failure = `kernel ${KERNEL_NAMES[failed[0]]}: ${describe(failed[1])}`;
      }
    } catch (e) {
      failure = `task: ${describe(e)}`;
    } finally {
      // unless the exit hook has already ended the part
      if (joined) {
        joined = false;
        if (failure !== null) failPart(ctl, buffer, id, failure);
        else leaveTask(ctl);
      }
    }
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Listens for the init message on `port` (node:worker_threads' parentPort, or the worker global). */
export function start(port: { on?: (ev: 'message', fn: (d: WorkerInit) => void) => void; onmessage?: ((ev: { data: WorkerInit }) => void) | null }): void {
  if (typeof port.on === 'function') port.on('message', serve);
  else port.onmessage = (ev) => serve(ev.data);
}
