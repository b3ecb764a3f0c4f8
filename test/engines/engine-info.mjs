// What an engine is, asked from inside it (any of Node, Deno, Bun, a
// browser): its version, and whether its relaxed-SIMD multiply-add fuses.
// Used by the test entry and the engine benchmark.

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
export async function relaxedMaddFuses() {
  if (!WebAssembly.validate(FMA_PROBE)) return null;
  const { instance } = await WebAssembly.instantiate(FMA_PROBE);
  return instance.exports.f() !== 0;
}

/** The engine running this, with its version (a browser gives its user agent; drivers know better). */
export function engineVersion() {
  const g = globalThis;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.process?.versions?.node) return `Node ${g.process.versions.node} (V8 ${g.process.versions.v8})`;
  return g.navigator?.userAgent ?? 'unknown';
}
