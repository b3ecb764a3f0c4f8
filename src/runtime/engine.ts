/**
 * The engine: one WebAssembly.Memory owned by the host, the kernel module
 * instantiated over it, and the heap allocator that carves it up.
 */
import { instantiate } from '@assemblyscript/loader';
import wasmBytes from '../../build/simdgrad.wasm';
import { Heap, type HeapStats } from './heap';
import { KERNEL_NAMES, type Kernels } from './kernels.generated';

const PAGE = 65536;
/** 4 GiB: the most a 32-bit WebAssembly memory can address. */
const MAX_PAGES = 65536;
/** The first 64 bytes stay unused, so offset 0 is never a tensor. */
const HEAP_BASE = 64;

let kernelsRef: Kernels | undefined;
let heapRef: Heap | undefined;
let memoryRef: WebAssembly.Memory | undefined;
let ready: Promise<void> | undefined;
let modulePromise: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel module, compiled once and cached. */
export function kernelModule(): Promise<WebAssembly.Module> {
  return (modulePromise ??= WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>));
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
    const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    const kernels = await instantiateKernels(await kernelModule(), memory);
    memoryRef = memory;
    heapRef = new Heap(memory, HEAP_BASE, MAX_PAGES * PAGE);
    kernelsRef = kernels;
  })());
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

/** A Float32Array over the whole memory, rebuilt when the memory has grown. */
export function heapF32(): Float32Array {
  const buffer = (memoryRef ?? notReady()).buffer as ArrayBuffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    view = new Float32Array(buffer);
  }
  return view;
}

export interface MemoryInfo extends HeapStats {
  /** Tensor handles created and not yet disposed or collected. */
  liveTensors: number;
}

let liveTensorCount = 0;

/** Counts tensor handles; called by Tensor's constructor and release. */
export function countTensor(delta: 1 | -1): void {
  liveTensorCount += delta;
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
