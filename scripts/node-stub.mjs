// esbuild plugin for browser bundles: every node:* import becomes a module
// that throws when loaded, so the bundle holds no Node import. simdgrad only
// imports node:* under Node or Deno, so in a browser the stub is never loaded.

/** The plugin; `what` names the bundle in the error a loaded stub would throw. */
export function stubNodeBuiltins(what) {
  return {
    name: 'stub-node-builtins',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: 'node-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
        contents: `throw new Error(${JSON.stringify(`${a.path} is a Node module; ${what} runs in a browser`)});`,
        loader: 'js',
      }));
    },
  };
}
