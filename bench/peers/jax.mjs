// jax-js 0.1.25 on its wasm device (init('wasm') explicitly: the
// argument-less form throws in Node 20).
let jaxPromise;

export function jax() {
  return (jaxPromise ??= (async () => {
    const j = await import('@jax-js/jax');
    await j.init('wasm');
    j.defaultDevice('wasm');
    return j;
  })());
}
