/**
 * parallelFor: splits `count` independent items into contiguous ranges and
 * runs the kernel calls each range makes. On one thread the body is called
 * once, over all items, with the real kernels (calls run at once). On
 * several it is called once per piece (piecesFor: a few per thread) with a
 * recorder (calls are collected), and runTask runs the pieces, each thread
 * taking the next piece left, so a slower core takes fewer. So a body must
 * only issue kernel calls and set up memory that outlives the parallelFor
 * call (scratch it allocates, per piece, is freed by the caller afterwards);
 * it must not read results of its own calls.
 *
 * Determinism: a body computes each output from its items alone, with the
 * same kernel calls whatever the range, so results are bit-identical for
 * every thread count and whichever thread runs a piece (ops split over rows,
 * images or channels, never inside a floating-point reduction).
 *
 * Small work stays on the calling thread: a thread is added only for every
 * minWorkPerThread units of work (multiply-adds; an element of a
 * memory-bound kernel counts ELEMENT_WORK).
 */
import { kernels } from './engine';
import { KERNEL_NAMES, type Kernels } from './kernels.generated';
import { availableThreads, runTask } from './pool';
import type { Call } from './task';

/**
 * The body of a parallelFor: issue the kernel calls for items [lo, hi) on
 * `k`; `piece` numbers the calls' range (0 when the body runs once), for
 * scratch of its own.
 */
export type PieceBody = (k: Kernels, lo: number, hi: number, piece: number) => void;

/**
 * Pieces per thread a parallel call is cut into: enough that the pieces a
 * faster core takes over make up for an uneven split (a core that another
 * process shares runs 10-40% slower for a while on these machines), few
 * enough that each stays large against its scratch and per-call costs.
 */
const PIECES_PER_THREAD = 4;
/** Most pieces of one call beyond one per thread: each may hold its own scratch (a Winograd block's is some 300 KiB). */
const MAX_PIECES = 32;

/**
 * The pieces `count` items are cut into for `threads` threads: `perThread`
 * each, at most MAX_PIECES unless that is fewer than the threads.
 */
function piecesFor(count: number, threads: number, perThread: number): number {
  return Math.min(count, Math.max(threads, Math.min(threads * perThread, MAX_PIECES)));
}

/** Work (multiply-adds) below which an extra thread costs more than it saves (waking a worker takes ~10-50 µs). */
let minWork = 1 << 19;

/**
 * The work of one element of a memory-bound kernel (elementwise ops, batch
 * norm passes, pooling taps), in units of `work` (multiply-adds of the
 * GEMM). Memory-bound ops pass count * ELEMENT_WORK, so they split from
 * about 128K elements per thread: below that, the other core's cache misses
 * on data the calling thread's cache holds cost more than the half it takes
 * (measured on Zen 3, an add over 2 threads against 1: 64K floats 2x slower,
 * 128-196K even, 256K 1.1-1.3x faster, 1.6M 1.9x).
 */
export const ELEMENT_WORK = 4;

/** Sets the least work per thread before a kernel is split across threads; returns the previous value. 0 splits everything (for tests). */
export function setMinWorkPerThread(work: number): number {
  if (typeof work !== 'number' || !(work >= 0)) throw new (typeof work === 'number' ? RangeError : TypeError)(`setMinWorkPerThread: work must be a number >= 0, got ${typeof work === 'string' ? `'${work}'` : String(work)} (a ${typeof work})`);
  const previous = minWork;
  minWork = work;
  return previous;
}

/** Where the recorder appends. */
let target: Call[] = [];
let recorderRef: Kernels | undefined;

/** A kernel table whose methods append [kernel index, arguments] to `target`. */
function recorder(): Kernels {
  if (recorderRef === undefined) {
    const rec: Record<string, (...args: number[]) => void> = {};
    KERNEL_NAMES.forEach((name, i) => {
      rec[name] = (...args: number[]) => void target.push([i, args]);
    });
    recorderRef = rec as unknown as Kernels;
  }
  return recorderRef;
}

/**
 * Runs body over [0, count) split into contiguous ranges, as pieces that the
 * threads take in turn; `work` is the total work of the count items (for the
 * size threshold). A body that repeats work in every piece (a GEMM packs its
 * B panels) passes fewer pieces per thread than PIECES_PER_THREAD.
 */
export function parallelFor(count: number, work: number, body: PieceBody, piecesPerThread = PIECES_PER_THREAD): void {
  if (count <= 0) return;
  const byWork = minWork <= 0 ? count : Math.floor(work / minWork);
  let threads = Math.min(count, Math.max(1, byWork));
  if (threads > 1) threads = Math.min(threads, availableThreads());
  if (threads <= 1) {
    body(kernels(), 0, count, 0);
    return;
  }
  const pieces = piecesFor(count, threads, piecesPerThread);
  const recorded: Call[][] = [];
  for (let p = 0, lo = 0; p < pieces; p++) {
    const hi = pieces <= threads ? Math.floor((count * (p + 1)) / pieces) : pieceEnd(count, pieces, p);
    target = [];
    body(recorder(), lo, hi, p);
    recorded.push(target);
    lo = hi;
  }
  runTask(recorded, threads - 1, kernels());
}

/**
 * The end of piece p of `pieces` over `count` items, when there are more
 * pieces than threads (with one piece per thread, as the GEMM's, they are
 * equal): the pieces shrink towards the end (boundaries at
 * count (1 - (1 - t)^2), t = (p + 1) / pieces, each at least one item), so
 * the thread that finishes its share first waits at most a small last piece
 * for the other. Any split gives the same bits.
 */
function pieceEnd(count: number, pieces: number, p: number): number {
  if (p === pieces - 1) return count;
  const t = 1 - (p + 1) / pieces;
  const at = Math.floor(count * (1 - t * t));
  // at least one item per piece, here and in every piece after it
  return Math.min(count - (pieces - 1 - p), Math.max(p + 1, at));
}

/** Elements per chunk of forElements: a multiple of the SIMD width, so a split never changes a result. */
const CHUNK = 16384;

/**
 * Runs an elementwise kernel over elements [0, n) in chunks split across
 * threads (memory-bound work: ELEMENT_WORK per element); body issues the
 * kernel call for `count` elements from element `start`.
 */
export function forElements(n: number, body: (k: Kernels, start: number, count: number) => void): void {
  parallelFor(Math.ceil(n / CHUNK), n * ELEMENT_WORK, (k, lo, hi) => {
    const start = lo * CHUNK;
    body(k, start, Math.min(hi * CHUNK, n) - start);
  });
}
