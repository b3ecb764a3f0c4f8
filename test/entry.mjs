// Runs uvu suites in order and prints one machine-readable result line, the
// same way in every engine (Node, Deno, Bun, the browsers). `suites`:
// [name, () => import(...)]. The line also says what the engine is: its
// version, whether simdgrad runs threads there (and if not, why), and whether
// its relaxed-SIMD multiply-add fuses (test/run.mjs compares relaxed-SIMD
// hashes only between engines that round the same way).
import { threadingStatus } from '../dist/index.js';

/**
 * A module whose f() returns lane 0 of f32x4.relaxed_madd(x, x, z) with
 * x = 1 + 2^-23 and z = -(1 + 2^-22): 2^-46 where the multiply-add is fused
 * (one rounding), 0 where it is a multiply then an add.
 */
const FMA_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d, // type: () -> f32
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
  0x0a, 0x1f, 0x01, 0x1d, 0x00, // code: one body of 29 bytes, no locals
  0x43, 0x01, 0x00, 0x80, 0x3f, 0xfd, 0x13, // f32x4.splat(1 + 2^-23)
  0x43, 0x01, 0x00, 0x80, 0x3f, 0xfd, 0x13, // f32x4.splat(1 + 2^-23)
  0x43, 0x02, 0x00, 0x80, 0xbf, 0xfd, 0x13, // f32x4.splat(-(1 + 2^-22))
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0xfd, 0x1f, 0x00, // f32x4.extract_lane 0
  0x0b,
]);

/** true: relaxed madd fuses; false: it does not; null: no relaxed SIMD here. */
async function relaxedMaddFuses() {
  if (!WebAssembly.validate(FMA_PROBE)) return null;
  const { instance } = await WebAssembly.instantiate(FMA_PROBE);
  return instance.exports.f() !== 0;
}

function engineVersion() {
  const g = globalThis;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.process?.versions?.node) return `Node ${g.process.versions.node} (V8 ${g.process.versions.v8})`;
  return g.navigator?.userAgent ?? 'unknown';
}

export async function runSuites(suites) {
  const status = threadingStatus();
  const engine = { version: engineVersion(), threads: status.reason === '' || status.reason === 'one core' || status.reason.startsWith('setNumThreads'), threadsReason: status.reason, fma: await relaxedMaddFuses() };
  globalThis.UVU_DEFER = 1;
  globalThis.__sg = { passed: 0, failed: 0, failures: [], hashes: {} };
  const uvu = await import('uvu');
  let i = 0;
  for (const [name, load] of suites) {
    globalThis.UVU_INDEX = i++;
    globalThis.UVU_QUEUE.push([name]);
    await load();
  }
  await uvu.exec(false);
  const r = globalThis.__sg;
  console.log('SIMDGRAD-RESULT ' + JSON.stringify({ passed: r.passed, failed: r.failed, failures: r.failures, hashes: r.hashes, engine }));
  return r;
}
