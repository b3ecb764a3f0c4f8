/**
 * The code of a pool worker (bundled by scripts/build-js.mjs into a string,
 * src/runtime/worker-code.generated.ts, that the pool starts from a Blob or
 * data URL). It receives the compiled kernel modules and the shared memory
 * once, instantiates every variant over that memory, sets its READY bit, and
 * then sleeps in Atomics.wait on the control block's GEN word; each bump of
 * GEN is a task: if its ASSIGNED bit is set it claims it, runs its lane's kernel calls, records
 * the first error in the control block, and counts PENDING down.
 *
 * Kernels are instantiated directly with WebAssembly.Instance: the module
 * imports only env.memory (checked by scripts/build-wasm.mjs) and its exports
 * are plain functions, so nothing of the host-side loader is needed here.
 */
import { KERNEL_NAMES } from './kernels.generated';
import { CTL_ASSIGNED, CTL_ERROR, CTL_GEN, CTL_PENDING, CTL_READY, CTL_TASK, runEncoded, writeErrorText } from './task';

/** The one message a worker receives. */
export interface WorkerInit {
  id: number;
  memory: WebAssembly.Memory;
  /** Compiled modules per variant index (null: variant unsupported here). */
  modules: (WebAssembly.Module | null)[];
}

type Fn = (...args: number[]) => void;

function serve(init: WorkerInit): void {
  const { id, memory } = init;
  const variants = init.modules.map((m) => {
    if (m === null) return null;
    const exports = new WebAssembly.Instance(m, { env: { memory } }).exports as Record<string, Fn>;
    return KERNEL_NAMES.map((n) => exports[n]);
  });
  // the control block sits at the start of the memory, which never moves
  const ctl = new Int32Array(memory.buffer, 0, 16);
  let seen = Atomics.load(ctl, CTL_GEN);
  Atomics.or(ctl, CTL_READY, 1 << id);
  Atomics.notify(ctl, CTL_READY);
  for (;;) {
    Atomics.wait(ctl, CTL_GEN, seen);
    const gen = Atomics.load(ctl, CTL_GEN);
    if (gen === seen) continue;
    seen = gen;
    if ((Atomics.and(ctl, CTL_ASSIGNED, ~(1 << id)) & (1 << id)) === 0) continue;
    // the memory may have grown since the last task: take the current buffer
    const buffer = memory.buffer;
    const base = Atomics.load(ctl, CTL_TASK);
    const f64 = new Float64Array(buffer, base);
    const lanes = f64[1];
    let at = -1;
    for (let j = 1; j < lanes; j++) if (f64[1 + 2 * j] === id) at = f64[2 + 2 * j];
    const fns = variants[f64[0]];
    try {
      const failed = at < 0 ? [-1, new Error(`no lane for worker ${id}`)] as const
        : fns === null ? [-1, new Error('kernel variant not available in this worker')] as const
        : runEncoded(f64, at, fns);
      if (failed !== null && Atomics.compareExchange(ctl, CTL_ERROR, 0, id + 1) === 0) {
        const [k, e] = failed;
        const name = k >= 0 ? KERNEL_NAMES[k] : 'task';
        writeErrorText(buffer, base + f64[2], `${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
    } finally {
      if (Atomics.sub(ctl, CTL_PENDING, 1) === 1) Atomics.notify(ctl, CTL_PENDING);
    }
  }
}

/** Listens for the init message on `port` (node:worker_threads' parentPort, or the worker global). */
export function start(port: { on?: (ev: 'message', fn: (d: WorkerInit) => void) => void; onmessage?: ((ev: { data: WorkerInit }) => void) | null }): void {
  if (typeof port.on === 'function') port.on('message', serve);
  else port.onmessage = (ev) => serve(ev.data);
}
