/**
 * The layout shared by the calling thread and the pool's workers: a control
 * block at bytes [CTL_BYTE, CTL_BYTE + 64) of the shared memory, above the
 * null guard (src/runtime/engine.ts; the heap starts above both), and a task
 * buffer in the heap that lists the task's pieces, each a list of kernel
 * calls. The threads that join a task (the caller and the workers assigned
 * to it) take the pieces one at a time, in order, from the NEXT counter, so
 * a thread that runs faster takes more of them.
 *
 * Control block (Int32 words):
 *   GEN      bumped by the caller to start a task; workers sleep on it (Atomics.wait)
 *   PENDING  workers assigned to the current task that have not finished it; the caller waits for 0
 *   ERROR    1 + id of the first worker whose part failed: a kernel threw, or
 *            the worker exited (0: none)
 *   TASK     byte offset of the task buffer
 *   READY    bit i set once worker i has instantiated its kernels, cleared
 *            if it exits
 *   ASSIGNED bit i set while worker i may join the current task; the worker
 *            joins by clearing it (Atomics.and), and the caller, once no piece
 *            is left, clears the bits of workers that have not joined (they
 *            are not waited for), so whoever clears a bit counts PENDING down
 *            for it and a worker that wakes late never joins a task not meant
 *            for it
 *   NEXT     the next piece to take (Atomics.add); pieces at or past the count are none
 *
 * Task buffer (Float64, 8-aligned):
 *   [0] variant index  [1] pieces P  [2] byte offset of the error text (from the buffer start)
 *   [3 + p] for pieces p = 0..P-1: float index of the piece's calls
 *   a piece's calls: count, then per call: kernel index, argument count, arguments...
 *   error text: a Uint32 length and up to ERROR_CHARS UTF-16 code units
 */
export const CTL_GEN = 0;
export const CTL_PENDING = 1;
export const CTL_ERROR = 2;
export const CTL_TASK = 3;
export const CTL_READY = 4;
export const CTL_ASSIGNED = 5;
export const CTL_NEXT = 6;
/**
 * Bytes [0, NULL_GUARD_BYTES) of the memory are never written: a kernel given
 * a pointer of 0 for an absent operand that writes it anyway lands there,
 * not in the control block, and checkHeap() reports it.
 */
export const NULL_GUARD_BYTES = 1024;
/** Where the control block starts (byte offset; it never moves). */
export const CTL_BYTE = NULL_GUARD_BYTES;
/** Words of the control block (bytes [CTL_BYTE, CTL_BYTE + 64)). */
export const CTL_WORDS = 16;
/** At most 31 workers (one READY bit each). */
export const MAX_WORKERS = 31;
export const ERROR_CHARS = 1024;

/** A kernel call: kernel index and its numeric arguments. */
export type Call = [kernel: number, args: number[]];

/** Floats the calls of one piece take in the task buffer. */
export function encodedLength(calls: readonly Call[]): number {
  let n = 1;
  for (const [, args] of calls) n += 2 + args.length;
  return n;
}

/** Writes `calls` at float index `at` of `f64`. */
export function encodeCalls(f64: Float64Array, at: number, calls: readonly Call[]): void {
  f64[at++] = calls.length;
  for (const [k, args] of calls) {
    f64[at++] = k;
    f64[at++] = args.length;
    for (let i = 0; i < args.length; i++) f64[at++] = args[i];
  }
}

type Fn = (...args: number[]) => void;

/**
 * Runs the calls encoded at float index `at`; on a throw, returns the index
 * of the kernel that threw and the error (else null).
 */
export function runEncoded(f64: Float64Array, at: number, fns: readonly Fn[]): [number, unknown] | null {
  const count = f64[at++];
  const args: number[] = [];
  for (let c = 0; c < count; c++) {
    const k = f64[at++], n = f64[at++];
    args.length = n;
    for (let i = 0; i < n; i++) args[i] = f64[at++];
    try {
      fns[k](...args);
    } catch (e) {
      return [k, e];
    }
  }
  return null;
}

/**
 * Takes pieces of the current task from NEXT and runs each with `run` until
 * none is left or one fails; on a failure, leaves no piece for the other
 * threads (they stop at the piece they hold) and returns what `run` returned.
 */
export function takePieces<F>(ctl: Int32Array, pieces: number, run: (piece: number) => F | null): F | null {
  for (let p = Atomics.add(ctl, CTL_NEXT, 1); p < pieces; p = Atomics.add(ctl, CTL_NEXT, 1)) {
    const failed = run(p);
    if (failed !== null) {
      Atomics.store(ctl, CTL_NEXT, pieces);
      return failed;
    }
  }
  return null;
}

/** Counts PENDING down for one worker of the current task (it finished, or will never join). */
export function leaveTask(ctl: Int32Array): void {
  if (Atomics.sub(ctl, CTL_PENDING, 1) === 1) Atomics.notify(ctl, CTL_PENDING);
}

/**
 * Ends the part of worker `id` in the current task when it failed or exited
 * (its pieces may be unfinished): records `text` as the task's error unless
 * another worker already failed, leaves no piece for the others, and counts
 * PENDING down. The worker, or its exit hook, calls this exactly once.
 */
export function failPart(ctl: Int32Array, buffer: ArrayBufferLike, id: number, text: string): void {
  if (Atomics.compareExchange(ctl, CTL_ERROR, 0, id + 1) === 0) {
    const base = Atomics.load(ctl, CTL_TASK);
    writeErrorText(buffer, base + new Float64Array(buffer, base, 3)[2], text);
  }
  Atomics.store(ctl, CTL_NEXT, 1 << 30);
  leaveTask(ctl);
}

/** Writes `text` into the error area at byte offset `byteAt` of `buffer`. */
export function writeErrorText(buffer: ArrayBufferLike, byteAt: number, text: string): void {
  const n = Math.min(text.length, ERROR_CHARS);
  new Uint32Array(buffer, byteAt, 1)[0] = n;
  const chars = new Uint16Array(buffer, byteAt + 4, n);
  for (let i = 0; i < n; i++) chars[i] = text.charCodeAt(i);
}

/** Reads the error text written by writeErrorText. */
export function readErrorText(buffer: ArrayBufferLike, byteAt: number): string {
  const n = new Uint32Array(buffer, byteAt, 1)[0];
  return String.fromCharCode(...new Uint16Array(buffer, byteAt + 4, n).slice());
}
