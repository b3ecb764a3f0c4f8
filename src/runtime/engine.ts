/**
 * The engine: one WebAssembly.Memory owned by the host, the kernel module
 * instantiated over it, and the heap allocator that carves it up.
 */
import { instantiate } from '@assemblyscript/loader';
import { Heap, type HeapStats } from './heap';
import { KERNEL_NAMES, type Kernels } from './kernels.generated';
import { checkVariant, preferredVariant, variantModule, variantSupported, VARIANTS, type WasmVariant } from './variant';
import { detectThreadSupport, type ThreadSupport } from './thread-support';
import { CTL_BYTE, CTL_WORDS, NULL_GUARD_BYTES } from './task';

const PAGE = 65536;
/** 4 GiB: the most a 32-bit WebAssembly memory can address. */
const MAX_PAGES = 65536;
/**
 * Below the heap: the null guard (no tensor is ever at offset 0, and stray
 * writes through a 0 pointer land there), then the worker pool's control
 * block (src/runtime/task.ts), used when threads are on.
 */
const HEAP_BASE = CTL_BYTE + 4 * CTL_WORDS;

let kernelsRef: Kernels | undefined;
let heapRef: Heap | undefined;
let memoryRef: WebAssembly.Memory | undefined;
let ready: Promise<void> | undefined;
/** Kernel instances per variant this runtime supports, all over the one memory. */
const instances = new Map<WasmVariant, Kernels>();
let variantRef: WasmVariant = 'simd';
let threadSupportRef: ThreadSupport | undefined;
/** Compiled modules per variant (index in VARIANTS; null where unsupported), for the worker pool. */
let compiledRef: (WebAssembly.Module | null)[] = [];

/** The compiled kernel module of the variant in use (or of `variant`), compiled once and cached (the shared build when threads are on). */
export function kernelModule(variant: WasmVariant = variantRef): Promise<WebAssembly.Module> {
  return variantModule(variant, threadSupportRef !== undefined && threadSupportRef.host !== 'none');
}

/** The kernel variant in use: 'relaxed-simd' where the runtime supports it, else 'simd'. */
export function wasmVariant(): WasmVariant {
  return variantRef;
}

/**
 * Switches the kernels to `name` ('simd' or 'relaxed-simd'). Kernels are
 * stateless over the shared memory, so tensors stay valid. Throws for a
 * variant this runtime cannot run. Returns the previous variant.
 */
export function useVariant(name: WasmVariant): WasmVariant {
  checkVariant(name);
  const k = instances.get(name) ?? notReady();
  const previous = variantRef;
  kernelsRef = k;
  variantRef = name;
  return previous;
}

/**
 * Instantiates the kernel module over `memory`. The one place that knows how
 * the module is instantiated (through @assemblyscript/loader).
 */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Kernels> {
  const { exports } = await instantiate<Record<string, unknown>>(module, { env: { memory } });
  for (const name of KERNEL_NAMES) {
    if (typeof exports[name] !== 'function') throw new Error(`simdgrad: kernel ${name} missing from the module`);
  }
  return exports as unknown as Kernels;
}

/**
 * Prepares the engine; resolves once kernels can run. The package entry
 * awaits it at load, so users never need to call it.
 */
export function init(): Promise<void> {
  return (ready ??= (async () => {
    // threads need the memory shared from the start, and then the shared build
    // everywhere: tensors live in the memory, so it can never be swapped
    const support = await detectThreadSupport();
    const shared = support.host !== 'none';
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared });
    const supported = VARIANTS.filter(variantSupported);
    const compiled = await Promise.all(supported.map((v) => variantModule(v, shared)));
    const made = await Promise.all(compiled.map((m) => instantiateKernels(m, memory)));
    supported.forEach((v, i) => instances.set(v, made[i]));
    compiledRef = VARIANTS.map((v) => (supported.includes(v) ? compiled[supported.indexOf(v)] : null));
    threadSupportRef = support;
    memoryRef = memory;
    heapRef = new Heap(memory, HEAP_BASE, MAX_PAGES * PAGE, NULL_GUARD_BYTES);
    heapRef.outOfMemoryHint = memoryAdvice;
    variantRef = preferredVariant();
    kernelsRef = instances.get(variantRef);
  })());
}

/** What the worker pool needs from the engine: whether threads are possible, the memory, the compiled modules. */
export function threadContext(): { support: ThreadSupport; memory: WebAssembly.Memory; modules: (WebAssembly.Module | null)[]; variant: number } {
  return { support: threadSupportRef ?? notReady(), memory: memoryRef ?? notReady(), modules: compiledRef, variant: VARIANTS.indexOf(variantRef) };
}

function notReady(): never {
  throw new Error('simdgrad: the engine is not initialised; await init() first');
}

export function kernels(): Kernels {
  return kernelsRef ?? notReady();
}

export function heap(): Heap {
  return heapRef ?? notReady();
}

let viewBuffer: ArrayBuffer | undefined;
let view: Float32Array = new Float32Array(0);

/**
 * A Float32Array over the whole memory, rebuilt when the memory has grown
 * (a grown memory, shared or not, hands out a new buffer object).
 */
export function heapF32(): Float32Array {
  const buffer = (memoryRef ?? notReady()).buffer as ArrayBuffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    view = new Float32Array(buffer);
  }
  return view;
}

/**
 * The heap statistics of memoryInfo() plus the count of live tensor handles.
 * @example const { bytesInUse, liveTensors } = memoryInfo();
 */
export interface MemoryInfo extends HeapStats {
  /** Tensor handles created and not yet disposed or collected. */
  liveTensors: number;
}

let liveTensorCount = 0;
/** Live tensors created outside any scope() (freed only by dispose() or, when the event loop turns, the garbage collector). */
let unscopedCount = 0;
/** Live tensors outside any scope past which a one-time warning is printed. */
export const UNSCOPED_WARNING = 10000;
let warned = false;

/** Counts tensor handles; called by Tensor's constructor and release. */
export function countTensor(delta: 1 | -1): void {
  liveTensorCount += delta;
}

const SCOPE_ADVICE =
  'A synchronous loop never lets the garbage collector free tensors it drops; ' +
  'run each step in sg.scope(() => { ... }) (it frees what the step does not return), dispose() tensors you are done with, or await between steps';

/** Counts live tensors outside any scope; warns once when they pass UNSCOPED_WARNING. */
export function countUnscoped(delta: 1 | -1): void {
  unscopedCount += delta;
  if (!warned && unscopedCount > UNSCOPED_WARNING) {
    warned = true;
    console.warn(`simdgrad: ${unscopedCount} tensors are alive outside any scope(). ${SCOPE_ADVICE}. (This warning is shown once.)`);
  }
}

/** The out-of-memory message's advice: how many tensors hold the memory and how to free them. */
function memoryAdvice(): string {
  return `${liveTensorCount} tensors are alive, ${unscopedCount} of them created outside any scope(). ${SCOPE_ADVICE}`;
}

/** Heap bytes in use, the peak, and the number of live tensors. */
export function memory(): MemoryInfo {
  return { ...heap().stats(), liveTensors: liveTensorCount };
}

/**
 * Caps the heap at `bytes` (at most 4 GiB); allocations past it fail with an
 * OutOfMemoryError that names the sizes. Returns the previous limit.
 */
export function setMemoryLimit(bytes: number): number {
  if (typeof bytes !== 'number') throw new TypeError(`setMemoryLimit: bytes must be a number, got ${typeof bytes === 'string' ? `'${bytes}'` : String(bytes)} (a ${typeof bytes})`);
  if (!(bytes > 0) || !Number.isFinite(bytes)) throw new RangeError(`setMemoryLimit: limit must be a positive number of bytes, got ${bytes}`);
  const h = heap();
  const previous = h.limit;
  h.limit = Math.min(bytes, MAX_PAGES * PAGE);
  return previous;
}

/** Throws if the allocator's invariants do not hold (see Heap.check). */
export function checkHeap(): void {
  heap().check();
}

/**
 * Debug mode for the heap: blocks allocated while it is on start filled
 * with NaN (a kernel that reads memory nobody wrote shows it) and carry a
 * guard pattern after their data, verified by checkHeap() and on release (a
 * write past a tensor's end then throws). Returns the previous setting.
 */
export function setHeapDebug(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new TypeError(`setHeapDebug: on must be a boolean (true or false), got ${typeof on === 'string' ? `'${on}'` : String(on)} (a ${typeof on})`);
  const h = heap();
  const previous = h.debug;
  h.debug = on;
  return previous;
}
