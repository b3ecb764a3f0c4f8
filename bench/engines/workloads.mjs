// The engine benchmark's workloads, the same in every engine: each gets the
// loaded package (`sg`) and a size ('full' or 'smoke') and returns
// { run(), outputs(), dispose() }. Inputs come from sg.manualSeed, so
// outputs() after one run() hashes the same in every engine that rounds the
// same way: that hash is the workload's self-check (bench/engines/measure.mjs).

/** Workload sizes: 'full' for the report, 'smoke' for the tests (tiny, seconds in total). */
const SIZES = {
  full: { matmul: [256, 1024], resnetBatch: 16, convBatch: 16, mlpBatch: 128, bn: [32, 16, 32, 32], elems: 1 << 20 },
  smoke: { matmul: [32, 64], resnetBatch: 2, convBatch: 2, mlpBatch: 8, bn: [4, 16, 8, 8], elems: 1 << 12 },
};

/** ResNet-20 (CIFAR) convolution shapes: [channels, side] per stage. */
const RESNET_STAGES = [[16, 32], [32, 16], [64, 8]];

/** A training step of `net` on fixed data with SGD-momentum; outputs: every parameter after the steps run. */
function trainStep(sg, net, x, labels) {
  const opt = new sg.optim.SGD([...net.parameters()], { lr: 0.01, momentum: 0.9 });
  return {
    run: () => sg.scope(() => {
      opt.zeroGrad();
      sg.crossEntropy(net.forward(x), labels).backward();
      opt.step();
    }),
    outputs: () => [...net.parameters()].map((p) => p.toArray()),
    dispose: () => {
      opt.dispose();
      net.dispose();
      x.dispose();
      labels.dispose();
    },
  };
}

const labelsFor = (sg, n, classes) => sg.tensor(Array.from({ length: n }, (_, i) => i % classes));

/**
 * The workloads: id, label, what a run is worth (`unit`, `figure(ms)`:
 * the figure from ms per run; `lowerIsBetter`) and `make(sg, size)`.
 */
export function workloads(size = 'full') {
  const s = SIZES[size];
  if (!s) throw new RangeError(`workloads: size must be 'full' or 'smoke', got ${JSON.stringify(size)}`);
  const list = [];
  for (const n of s.matmul) {
    list.push({
      id: `matmul-${n}`, label: `matmul ${n}×${n}×${n}`, unit: 'GFLOP/s', lowerIsBetter: false, figure: (ms) => (2 * n ** 3) / ms / 1e6,
      make(sg) {
        const a = sg.randn([n, n]), b = sg.randn([n, n]);
        let c = null;
        return {
          run: () => { c?.dispose(); c = sg.matmul(a, b); },
          outputs: () => [c.toArray()],
          dispose: () => { c?.dispose(); a.dispose(); b.dispose(); },
        };
      },
    });
  }
  for (const [ch, side] of RESNET_STAGES) {
    const flops = 2 * s.convBatch * side * side * ch * ch * 9;
    for (const pass of ['forward', 'backward']) {
      list.push({
        id: `conv-${ch}x${side}-${pass}`, label: `conv 3×3 [${s.convBatch},${ch},${side},${side}] ${pass === 'forward' ? 'forward' : 'forward + backward (input and weight)'}`,
        unit: 'GFLOP/s', lowerIsBetter: false, figure: (ms) => (pass === 'forward' ? flops : 3 * flops) / ms / 1e6,
        make(sg) {
          const x = sg.randn([s.convBatch, ch, side, side], { requiresGrad: pass === 'backward' });
          const w = sg.randn([ch, ch, 3, 3], { requiresGrad: pass === 'backward' }).mul(0.1).detach();
          if (pass === 'backward') w.requiresGrad = true;
          const g = sg.randn([s.convBatch, ch, side, side]);
          let y = null;
          return {
            run: () => {
              y?.dispose();
              if (pass === 'forward') return void (y = sg.conv2d(x, w, null, { padding: 1 }));
              x.grad?.dispose(); w.grad?.dispose();
              x.grad = null; w.grad = null;
              y = sg.scope(() => {
                const out = sg.conv2d(x, w, null, { padding: 1 });
                out.backward(g);
                return out.detach();
              });
            },
            outputs: () => (pass === 'forward' ? [y.toArray()] : [y.toArray(), x.grad.toArray(), w.grad.toArray()]),
            dispose: () => { y?.dispose(); x.grad?.dispose(); w.grad?.dispose(); x.dispose(); w.dispose(); g.dispose(); },
          };
        },
      });
    }
  }
  list.push({
    id: 'mlp-step', label: `MLP 784-512-512-10 training step, batch ${s.mlpBatch}`, unit: 'ms', lowerIsBetter: true, figure: (ms) => ms,
    make(sg) {
      const { nn } = sg;
      const net = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
      return trainStep(sg, net, sg.randn([s.mlpBatch, 784]), labelsFor(sg, s.mlpBatch, 10));
    },
  });
  list.push({
    id: 'resnet20-step', label: `ResNet-20 training step, batch ${s.resnetBatch} × 3×32×32`, unit: 'ms', lowerIsBetter: true, figure: (ms) => ms,
    make(sg) {
      const net = sg.nn.resnetCifar(20);
      return trainStep(sg, net, sg.randn([s.resnetBatch, 3, 32, 32]), labelsFor(sg, s.resnetBatch, 10));
    },
  });
  const [bn, bc, bh, bw] = s.bn;
  list.push({
    id: 'batchnorm', label: `batch norm training forward + backward [${s.bn.join(',')}]`, unit: 'GB/s', lowerIsBetter: false, figure: (ms) => (bn * bc * bh * bw * 4 * 5) / ms / 1e6,
    make(sg) {
      const net = new sg.nn.BatchNorm2d(bc);
      const x = sg.randn([bn, bc, bh, bw], { requiresGrad: true });
      const g = sg.randn([bn, bc, bh, bw]);
      return {
        run: () => sg.scope(() => {
          x.grad?.dispose();
          x.grad = null;
          net.forward(x).backward(g);
        }),
        outputs: () => [x.grad.toArray(), ...[...net.buffers?.() ?? []].map((b) => b.toArray())],
        dispose: () => { x.grad?.dispose(); net.dispose(); x.dispose(); g.dispose(); },
      };
    },
  });
  list.push({
    id: 'elementwise', label: `elementwise row: add, mul, tanh, relu, exp of ${s.elems} floats`, unit: 'GB/s', lowerIsBetter: false, figure: (ms) => (5 * 3 * 4 * s.elems) / ms / 1e6,
    make(sg) {
      const a = sg.randn([s.elems]), b = sg.randn([s.elems]);
      let y = null;
      return {
        run: () => { y?.dispose(); y = sg.scope(() => sg.exp(sg.relu(sg.tanh(sg.mul(sg.add(a, b), b))))); },
        outputs: () => [y.toArray()],
        dispose: () => { y?.dispose(); a.dispose(); b.dispose(); },
      };
    },
  });
  list.push({
    id: 'dispatch', label: 'dispatch: 100 adds of 32 floats in one scope (autograd on), per add', unit: 'µs', lowerIsBetter: true, figure: (ms) => ms * 10,
    make(sg) {
      const a = sg.randn([32], { requiresGrad: true }), b = sg.randn([32], { requiresGrad: true });
      let last = null;
      return {
        run: () => {
          last?.dispose();
          last = sg.scope(() => {
            let y = a;
            for (let i = 0; i < 100; i++) y = sg.add(y, b);
            return y.detach();
          });
        },
        outputs: () => [last.toArray()],
        dispose: () => { last?.dispose(); a.dispose(); b.dispose(); },
      };
    },
  });
  return list;
}
