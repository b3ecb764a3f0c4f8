/** The kernel module's bytes, embedded by esbuild's binary loader. */
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
