/**
 * The heap allocator: hands out 64-byte-aligned byte offsets into the one
 * WebAssembly.Memory that every tensor lives in.
 *
 * Sizes round up to a class (64 bytes, then four classes per power of two:
 * 2^e * {1, 1.25, 1.5, 1.75}, so at most 25% is wasted); freed blocks go to
 * their class's free list and are reused first, new blocks come from a bump
 * pointer, and the memory grows by whole pages when the pointer passes its
 * end. A training loop that allocates the same shapes each step reaches a
 * fixed point: every block comes from a free list and the heap stays flat.
 */
export const ALIGN = 64;
const PAGE = 65536;

/**
 * Bytes of memory kept after the last block: a kernel may read (never write)
 * up to this many bytes past a block's end without leaving the memory (the
 * Winograd input transform reads image rows where they are, window rows
 * that overhang the last column included; see assembly/winograd-f4.ts).
 */
export const READ_SLACK = 64;
/** Bytes of guard pattern after each block's requested bytes in debug mode. */
const CANARY_BYTES = 64;
const CANARY_WORD = 0xdeadbeef | 0;
/** Debug mode: what new blocks are filled with (a quiet NaN). */
const POISON_WORD = 0x7fc00000 | 0;

/**
 * Thrown when an allocation would pass the memory limit (setMemoryLimit) or the WebAssembly memory cannot grow;
 * the message gives the size asked for, the bytes in use, the heap size and the limit.
 * @example try { zeros([1e9]) } catch (e) { if (e instanceof OutOfMemoryError) setMemoryLimit(2 ** 31) }
 */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

export interface HeapStats {
  /** Bytes in live blocks (rounded to their size class). */
  bytesInUse: number;
  /** Largest bytesInUse seen since start or resetPeak(). */
  peakBytes: number;
  /** Live blocks. */
  blocks: number;
  /** Bytes in freed blocks kept for reuse. */
  bytesFree: number;
  /** Size of the WebAssembly memory. */
  heapBytes: number;
  /** Most the heap may grow to. */
  limitBytes: number;
}

/** The class a request of `bytes` rounds up to. */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  if (bytes < 2 ** 29) {
    // the same in 32-bit integers (on every allocation, so it matters)
    const q = 29 - Math.clz32(bytes); // log2(quarter) = e - 2
    const c = (1 << (q + 2)) + ((((bytes - (1 << (q + 2))) + (1 << q) - 1) >>> q) << q);
    return (c + ALIGN - 1) & -ALIGN;
  }
  const e = Math.floor(Math.log2(bytes));
  const base = 2 ** e;
  const quarter = base / 4;
  const c = base + Math.ceil((bytes - base) / quarter) * quarter;
  return Math.ceil(c / ALIGN) * ALIGN;
}

export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly live = new Map<number, number>();
  /** Debug mode: where each live block's canary starts (blocks allocated while debug was on). */
  private readonly canaries = new Map<number, number>();
  /**
   * Debug mode: each new block gets CANARY_BYTES of a fixed pattern right
   * after the bytes asked for, and check() verifies every pattern, so a
   * kernel writing past a tensor's end is caught at the next check.
   */
  debug = false;
  private inUse = 0;
  private peak = 0;
  private freeBytes = 0;

  /**
   * @param memory the memory to carve up; it grows as needed
   * @param base first usable byte (below it: reserved)
   * @param limit most bytes the memory may reach
   * @param nullGuard bytes [0, nullGuard) must stay zero: check() fails when one is not
   */
  constructor(readonly memory: WebAssembly.Memory, private readonly base: number, public limit: number, private readonly nullGuard = 0) {
    this.top = base;
  }

  /** A block of at least `bytes` bytes; its content is undefined. */
  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`alloc: invalid size ${bytes}`);
    const guarded = this.debug ? Math.ceil(bytes / 4) * 4 + CANARY_BYTES : bytes;
    let size = sizeClass(Math.max(guarded, 1));
    const list = this.free.get(size);
    let ptr: number;
    if (list !== undefined && list.length > 0) {
      ptr = list.pop()!;
      this.freeBytes -= size;
    } else {
      let grown = this.bump(size);
      if (grown < 0) {
        // no room to grow: merge adjacent free blocks (giving back a free run
        // at the top to the bump pointer), then try the lists and the top again
        this.coalesce();
        const again = this.free.get(size);
        if (again !== undefined && again.length > 0) {
          grown = again.pop()!;
          this.freeBytes -= size;
        } else {
          grown = this.bump(size);
        }
      }
      if (grown >= 0) {
        ptr = grown;
      } else {
        // still no room: take the smallest free block of a larger class
        const spare = this.largerFree(size);
        if (spare === undefined) this.failAt(bytes, size);
        [ptr, size] = spare;
      }
    }
    this.live.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    if (this.debug) {
      const at = ptr + guarded - CANARY_BYTES;
      // the data starts as NaN, so a kernel that reads memory nobody wrote shows it
      new Int32Array(this.memory.buffer, ptr, (at - ptr) >> 2).fill(POISON_WORD);
      new Int32Array(this.memory.buffer, at, CANARY_BYTES / 4).fill(CANARY_WORD);
      this.canaries.set(ptr, at);
    }
    return ptr;
  }

  /** Returns a block to its free list. Freeing twice or a foreign pointer throws. */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`heap: release of ${ptr}, which is not a live block`);
    if (this.canaries.size > 0) {
      this.checkCanary(ptr);
      this.canaries.delete(ptr);
    }
    this.live.delete(ptr);
    this.inUse -= size;
    this.freeBytes += size;
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(ptr);
  }

  /** Moves the bump pointer by `size`, growing the memory; -1 when the limit or the engine refuses. */
  private bump(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    if (end + READ_SLACK > this.limit) return -1;
    const have = this.memory.buffer.byteLength;
    if (end + READ_SLACK > have) {
      try {
        this.memory.grow(Math.ceil((end + READ_SLACK - have) / PAGE));
      } catch {
        return -1;
      }
    }
    this.top = end;
    return ptr;
  }

  /**
   * Merges runs of adjacent free blocks, lowers the bump pointer over a free
   * run that ends at it, and re-bins each remaining run greedily into the
   * largest size classes that fit (all classes are multiples of 64 bytes, so
   * every run splits exactly). Runs only when an allocation would fail.
   */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.free) for (const p of list) blocks.push([p, size]);
    blocks.sort((a, b) => a[0] - b[0]);
    const runs: [number, number][] = [];
    for (const [p, size] of blocks) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[0] + last[1] === p) last[1] += size;
      else runs.push([p, size]);
    }
    const top = runs[runs.length - 1];
    if (top !== undefined && top[0] + top[1] === this.top) {
      this.top = top[0];
      runs.pop();
    }
    this.free.clear();
    this.freeBytes = 0;
    for (let [p, left] of runs) {
      while (left > 0) {
        let piece = sizeClass(left);
        if (piece > left) piece = largestClassBelow(left);
        let list = this.free.get(piece);
        if (list === undefined) this.free.set(piece, (list = []));
        list.push(p);
        this.freeBytes += piece;
        p += piece;
        left -= piece;
      }
    }
  }

  private largerFree(size: number): [number, number] | undefined {
    let best = Infinity;
    for (const [s, list] of this.free) if (s > size && s < best && list.length > 0) best = s;
    if (best === Infinity) return undefined;
    this.freeBytes -= best;
    return [this.free.get(best)!.pop()!, best];
  }

  stats(): HeapStats {
    return {
      bytesInUse: this.inUse,
      peakBytes: this.peak,
      blocks: this.live.size,
      bytesFree: this.freeBytes,
      heapBytes: this.memory.buffer.byteLength,
      limitBytes: this.limit,
    };
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  /**
   * Checks the allocator's invariants: every live and free block is aligned,
   * inside [base, top), of a valid class, and no two overlap; the byte counts
   * agree with the blocks; the null guard is all zeros. Throws on the first violation.
   */
  check(): void {
    const guard = new Int32Array(this.memory.buffer, 0, this.nullGuard / 4);
    const hit = guard.findIndex((w) => w !== 0);
    if (hit >= 0) {
      guard.fill(0); // report once: the next check looks for new writes
      throw new Error(`heap check: a kernel wrote through a null pointer (byte ${4 * hit} of the null guard below the heap is nonzero): an absent operand's pointer 0 was written`);
    }
    const blocks: [number, number, string][] = [];
    let liveSum = 0, freeSum = 0;
    for (const [p, s] of this.live) { blocks.push([p, s, 'live']); liveSum += s; }
    for (const [s, list] of this.free) for (const p of list) { blocks.push([p, s, 'free']); freeSum += s; }
    for (const p of this.canaries.keys()) this.checkCanary(p);
    if (liveSum !== this.inUse) throw new Error(`heap check: live bytes ${liveSum} != counted ${this.inUse}`);
    if (freeSum !== this.freeBytes) throw new Error(`heap check: free bytes ${freeSum} != counted ${this.freeBytes}`);
    blocks.sort((a, b) => a[0] - b[0]);
    let end = this.base;
    for (const [p, s, kind] of blocks) {
      if (p % ALIGN !== 0) throw new Error(`heap check: ${kind} block ${p} misaligned`);
      if (sizeClass(s) !== s) throw new Error(`heap check: ${kind} block ${p} has invalid size ${s}`);
      if (p < end) throw new Error(`heap check: ${kind} block ${p} overlaps the block ending at ${end}`);
      end = p + s;
    }
    if (end > this.top) throw new Error(`heap check: block ends at ${end}, past the top ${this.top}`);
    if (this.top > this.memory.buffer.byteLength) throw new Error('heap check: top past the memory end');
  }

  /** Throws if the guard pattern after live block `ptr` was overwritten. */
  private checkCanary(ptr: number): void {
    const at = this.canaries.get(ptr);
    if (at === undefined) return;
    const words = new Int32Array(this.memory.buffer, at, CANARY_BYTES / 4);
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== CANARY_WORD) throw new Error(`heap check: block ${ptr} was written past its end (canary at byte ${at + 4 * i} overwritten)`);
    }
  }

  /** Appended to the out-of-memory message: who holds the memory and what to do (set by the runtime). */
  outOfMemoryHint: () => string = () => '';

  private failAt(asked: number, size: number): never {
    const hint = this.outOfMemoryHint();
    throw new OutOfMemoryError(
      `simdgrad: out of memory: asked for ${fmt(asked)} (block of ${fmt(size)}) with ${fmt(this.inUse)} in use ` +
        `in ${this.live.size} blocks, ${fmt(this.freeBytes)} free in other size classes, heap ${fmt(this.memory.buffer.byteLength)}, limit ${fmt(this.limit)}` +
        (hint ? `. ${hint}` : ''),
    );
  }
}

/** The largest size class not above `bytes` (a multiple of 64, at least 64). */
function largestClassBelow(bytes: number): number {
  const e = Math.floor(Math.log2(bytes));
  const base = 2 ** e;
  const quarter = base / 4;
  for (let q = 3; q >= 0; q--) {
    const c = base + q * quarter;
    if (c <= bytes && c % ALIGN === 0 && sizeClass(c) === c) return c;
  }
  return Math.max(ALIGN, 2 ** Math.floor(Math.log2(bytes)));
}

function fmt(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB (${bytes} bytes)`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(2)} MiB (${bytes} bytes)`;
  return `${bytes} bytes`;
}
