// onnxruntime-web 1.30.0, wasm, one thread. Creating a session installs a
// global Worker (which breaks jax-js's worker start), so the harness runs it
// in its own process.
let ortPromise;

export function ort() {
  return (ortPromise ??= (async () => {
    const o = await import('onnxruntime-web');
    o.env.wasm.numThreads = 1;
    o.env.logLevel = 'error';
    return o;
  })());
}
