'use strict';
// What require('simdgrad') loads (package.json "exports", "require" condition).
// simdgrad is an ES module that compiles its WebAssembly kernels with a
// top-level await, which require() cannot wait for; say so and show the way.
throw new Error(
  "simdgrad is an ES module (it loads its WebAssembly kernels with a top-level await), so require('simdgrad') cannot load it. " +
    "From CommonJS use a dynamic import: const sg = await import('simdgrad'); (inside an async function), " +
    'or make the file an ES module (.mjs, or "type": "module" in package.json).',
);
