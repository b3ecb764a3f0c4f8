/**
 * The code of a pool worker (bundled by scripts/build-js.mjs into a string,
 * src/runtime/worker-code.generated.ts, that the pool starts from a Blob or
 * data URL). It receives the compiled kernel modules and the shared memory
 * once, instantiates every variant over that memory, sets its READY bit, and
 * then sleeps in Atomics.wait on the control block's GEN word; each bump of
 * GEN is a task: if its ASSIGNED bit is set it claims it, runs its lane's kernel calls, records
 * the first error in the control block, and counts PENDING down.
 *
 * A worker that exits (process.exit, an error escaping this loop) still keeps
 * the protocol where the runtime lets it (process 'exit' in Node and Deno): it
 * clears its READY bit and fails the lane it holds or was assigned (failLane),
 * so the caller gets an Error instead of waiting forever.
 *
 * Kernels are instantiated directly with WebAssembly.Instance: the module
 * imports only env.memory (checked by scripts/build-wasm.mjs) and its exports
 * are plain functions, so nothing of the host-side loader is needed here.
 */
import { KERNEL_NAMES } from './kernels.generated';
import { CTL_ASSIGNED, CTL_BYTE, CTL_GEN, CTL_PENDING, CTL_READY, CTL_TASK, CTL_WORDS, failLane, runEncoded } from './task';

/** The one message a worker receives. */
export interface WorkerInit {
  id: number;
  memory: WebAssembly.Memory;
  /** Compiled modules per variant index (null: variant unsupported here). */
  modules: (WebAssembly.Module | null)[];
  /** Tests only: exit, as a dying worker would, on claiming this many-th lane (0: never). */
  exitOnLane: number;
}

type ExitHooks = { process?: { on?(ev: 'exit', fn: (code: number) => void): void; exit?(code: number): void } };

type Fn = (...args: number[]) => void;

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
  let inLane = false;
  let lanesClaimed = 0;
  const { process } = globalThis as ExitHooks;
  process?.on?.('exit', (code) => {
    Atomics.and(ctl, CTL_READY, ~bit);
    const assigned = (Atomics.and(ctl, CTL_ASSIGNED, ~bit) & bit) !== 0;
    if (inLane || assigned) failLane(ctl, memory.buffer, id, `worker exited (code ${code}) ${inLane ? 'while running' : 'before running'} its part of the task`);
    inLane = false;
  });
  Atomics.or(ctl, CTL_READY, bit);
  Atomics.notify(ctl, CTL_READY);
  for (;;) {
    Atomics.wait(ctl, CTL_GEN, seen);
    const gen = Atomics.load(ctl, CTL_GEN);
    if (gen === seen) continue;
    seen = gen;
    if ((Atomics.and(ctl, CTL_ASSIGNED, ~bit) & bit) === 0) continue;
    inLane = true;
    // the memory may have grown since the last task: take the current buffer
    const buffer = memory.buffer;
    let failure: string | null = null;
    try {
      if (++lanesClaimed === init.exitOnLane) process?.exit?.(70);
      const base = Atomics.load(ctl, CTL_TASK);
      const f64 = new Float64Array(buffer, base);
      const lanes = f64[1];
      let at = -1;
      for (let j = 1; j < lanes; j++) if (f64[1 + 2 * j] === id) at = f64[2 + 2 * j];
      const fns = variants[f64[0]];
      if (at < 0) failure = `task: no lane for worker ${id}`;
      else if (fns === null) failure = 'task: kernel variant not available in this worker';
      else {
        const failed = runEncoded(f64, at, fns);
        if (failed !== null) failure = `kernel ${KERNEL_NAMES[failed[0]]}: ${describe(failed[1])}`;
      }
    } catch (e) {
      failure = `task: ${describe(e)}`;
    } finally {
      // unless the exit hook has already ended the lane
      if (inLane) {
        inLane = false;
        if (failure !== null) failLane(ctl, buffer, id, failure);
        else if (Atomics.sub(ctl, CTL_PENDING, 1) === 1) Atomics.notify(ctl, CTL_PENDING);
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
