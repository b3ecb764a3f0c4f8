// The soak workload shared by `npm run soak` and its shortened test: a small
// residual network with batch norm and dropout trained step after step, with
// tensors freed by scopes, by dispose, and only by the garbage collector.
import * as sg from '../dist/index.js';

const { nn, optim } = sg;

export function makeSoak(seed = 0) {
  sg.manualSeed(seed);
  const net = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.BasicBlock(8, 8),
    new nn.Dropout2d(0.1),
    new nn.BasicBlock(8, 16, { stride: 2, shortcut: 'B' }),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Dropout(0.2),
    new nn.Linear(16, 10),
  );
  const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  const x = sg.randn([8, 1, 12, 12]);
  const y = sg.tensor([0, 1, 2, 3, 4, 5, 6, 7]);
  let dropped = null;
  /** One training step; returns the loss. */
  function step(i) {
    const loss = sg.scope(() => {
      const l = sg.crossEntropy(net.forward(x), y);
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l.item();
    });
    // a tensor created outside any scope and simply dropped: only the GC frees it
    dropped = sg.randn([16, 16]).mul(i);
    dropped = null;
    // one created and disposed by hand, and one through `using`-style Symbol.dispose
    sg.ones([32]).dispose();
    sg.zeros([4, 4])[Symbol.dispose]();
    if (i % 50 === 49) net.eval(), sg.noGrad(() => net.forward(x).dispose()), net.train();
    return loss;
  }
  return { net, opt, step, dispose: () => { opt.dispose(); net.dispose(); x.dispose(); y.dispose(); } };
}

/** Forces collection where the runtime allows it (node --expose-gc). */
export async function collectGarbage() {
  if (typeof globalThis.gc !== 'function') return false;
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}
