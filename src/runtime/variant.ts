/**
 * Kernel module variants: one AssemblyScript source compiled twice
 * (scripts/build-wasm.mjs). 'simd' is the simd128 baseline; 'relaxed-simd'
 * also uses relaxed SIMD (fused multiply-add in the GEMM microkernel) and is
 * picked at load where the runtime validates a tiny relaxed-SIMD probe
 * (Deno, Chromium, Node >= 22; Node 20 only behind a flag).
 *
 * Results of the two differ by rounding (about 1e-6 relative on a GEMM), and
 * fused results may differ between CPU families: code that hashes results
 * across runtimes pins 'simd' with useVariant.
 *
 * The four builds (plain and relaxed, each over an own or a shared memory)
 * are embedded gzip'd (about 16 KB each instead of 90 KB) and inflated with
 * DecompressionStream (Node 18+, Deno, Bun, every browser with wasm SIMD)
 * when first compiled, so only the ones this runtime uses are ever inflated.
 */
import simdGz from '../../build/simdgrad.wasm.gz';
import relaxedGz from '../../build/simdgrad-relaxed.wasm.gz';
import simdSharedGz from '../../build/simdgrad-shared.wasm.gz';
import relaxedSharedGz from '../../build/simdgrad-relaxed-shared.wasm.gz';

/**
 * A kernel build: 'simd' (WebAssembly SIMD) or 'relaxed-simd' (adds fused multiply-add where the runtime has it).
 * @example useVariant('simd')
 */
export type WasmVariant = 'simd' | 'relaxed-simd';

export const VARIANTS: readonly WasmVariant[] = ['simd', 'relaxed-simd'];

/**
 * A module of one function returning f32x4.relaxed_madd of three zero
 * vectors: () -> v128 { i32x4.splat(0) x3; f32x4.relaxed_madd }.
 */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x13, 0x01, 0x11, 0x00, // code section: one body of 17 bytes, no locals
  0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, // (i32x4.splat (i32.const 0)) x3
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

let relaxedOk: boolean | undefined;

/** Whether this runtime can run a variant. */
export function variantSupported(name: WasmVariant): boolean {
  if (name === 'simd') return true;
  return (relaxedOk ??= WebAssembly.validate(RELAXED_PROBE));
}

/** The variant used at load: relaxed SIMD where the runtime has it. */
export function preferredVariant(): WasmVariant {
  return variantSupported('relaxed-simd') ? 'relaxed-simd' : 'simd';
}

/** Throws unless `name` is a variant this runtime can run. */
export function checkVariant(name: unknown): asserts name is WasmVariant {
  if (!VARIANTS.includes(name as WasmVariant)) {
    throw new RangeError(`useVariant: unknown variant ${JSON.stringify(name)}; expected one of ${VARIANTS.map((v) => `'${v}'`).join(', ')}`);
  }
  if (!variantSupported(name as WasmVariant)) {
    throw new Error(`useVariant: this runtime cannot run '${name}' (WebAssembly.validate of a relaxed-SIMD probe failed; Node 20 needs --experimental-wasm-relaxed-simd)`);
  }
}

const modules = new Map<string, Promise<WebAssembly.Module>>();

/** The gzip'd bytes of each build, by variant and memory kind. */
const EMBEDDED: Record<string, Uint8Array> = { simd: simdGz, 'relaxed-simd': relaxedGz, 'simd-shared': simdSharedGz, 'relaxed-simd-shared': relaxedSharedGz };

/** Inflates gzip'd bytes with the platform's DecompressionStream. */
async function gunzip(bytes: Uint8Array): Promise<ArrayBuffer> {
  if (typeof DecompressionStream !== 'function') {
    throw new Error('simdgrad: this runtime has no DecompressionStream (needed to unpack the embedded kernels; Node 18+, Deno, Bun and browsers with WebAssembly SIMD have it)');
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

/**
 * The compiled module of a variant, inflated and compiled once and cached.
 * `shared`: the build that imports a shared memory (for the worker pool); the same code.
 */
export function variantModule(name: WasmVariant, shared = false): Promise<WebAssembly.Module> {
  const key = `${name}${shared ? '-shared' : ''}`;
  let m = modules.get(key);
  if (m === undefined) {
    m = gunzip(EMBEDDED[key]).then((bytes) => WebAssembly.compile(bytes));
    modules.set(key, m);
  }
  return m;
}
