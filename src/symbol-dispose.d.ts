/**
 * `Symbol.dispose` (explicit resource management: `using t = ...`) for
 * TypeScript projects whose `lib` lacks `ESNext.Disposable`: Tensor, Module,
 * Optimizer and DataLoader declare `[Symbol.dispose]()`. The same declaration
 * as the lib's, so the two merge. Copied to dist/types and referenced from
 * index.d.ts by scripts/build-js.mjs.
 */
interface SymbolConstructor {
  readonly dispose: unique symbol;
}
