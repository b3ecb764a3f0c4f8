/** A kernel module's gzip'd bytes, embedded by esbuild's binary loader (scripts/build-js.mjs). */
declare module '*.wasm.gz' {
  const bytes: Uint8Array;
  export default bytes;
}
