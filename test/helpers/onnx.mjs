// ONNX export checks shared by the Node suites (test/node/onnx*.test.mjs,
// onnxruntime-web's Node build) and the browser suite
// (test/suites/onnx-browser.test.mjs, its web build served from
// node_modules): export a model at one batch size, run the file in
// onnxruntime at others, compare with simdgrad's evaluation-mode output.
// Also the networks the issue names (ResNet-20, an MLP with dropout and
// batch norm, a DCGAN-style generator), trained or warmed a few steps.
import * as assert from 'uvu/assert';
import { sg } from './harness.mjs';

const { nn } = sg;

export const EXAMPLE_BATCH = 2;
export const BATCHES = [1, 3, 5];

/** Largest |a - b| over the largest |b| (the output's scale). */
export function relativeError(actual, expected) {
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * A round trip through onnxruntime `ort`: exports `model` with an input of
 * [EXAMPLE_BATCH, ...shape], runs the file at each batch size in `batches`,
 * and compares with simdgrad's eval output (max abs difference <= tol of
 * the output's scale). `input(shape)` makes an input tensor. Disposes the
 * model; returns the file's bytes. Sets `ort` to one wasm thread (the same
 * results and no worker start in every engine) and logs errors only.
 */
export function roundTripper(ort) {
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return async function roundTrip(model, shape, { input = (s) => sg.randn(s), batches = BATCHES, tol = 1e-5, exportOptions } = {}) {
    try {
      const bytes = sg.scope(() => sg.exportOnnx(model, input([EXAMPLE_BATCH, ...shape]), exportOptions));
      const session = await ort.InferenceSession.create(bytes);
      try {
        model.eval();
        for (const n of batches) {
          const [data, expected] = sg.scope(() => {
            const x = input([n, ...shape]);
            return [x.toArray(), model.call(x).toArray()];
          });
          const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, [n, ...shape]) });
          const got = r[session.outputNames[0]];
          assert.is(got.data.length, expected.length, `batch ${n}: output size`);
          const err = relativeError(got.data, expected);
          assert.ok(err <= tol, `batch ${n}: max abs difference ${err} of the output's scale (tolerance ${tol})`);
        }
      } finally {
        await session.release();
      }
      return bytes;
    } finally {
      model.dispose();
    }
  };
}

/** A few training steps' worth of running statistics, so eval differs from the defaults. */
export function warmStats(model, shape) {
  model.train();
  for (let i = 0; i < 3; i++) sg.scope(() => { sg.noGrad(() => model.call(sg.randn([8, ...shape]).mul(2).add(1))); });
}

/** A few SGD steps of cross-entropy training, so the weights and running statistics are trained ones. */
export function train(model, shape, classes, steps = 3) {
  model.train();
  const opt = new sg.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  for (let i = 0; i < steps; i++) {
    sg.scope(() => {
      opt.zeroGrad();
      const x = sg.randn([8, ...shape]);
      const labels = sg.tensor(Array.from({ length: 8 }, (_, k) => (k * 3 + i) % classes));
      sg.crossEntropy(model.call(x), labels).backward();
      opt.step();
    });
  }
  opt.dispose();
  model.zeroGrad();
}

/** ResNet-20 (shortcut A) on 1 x 12 x 12 inputs, trained two steps. */
export function resnet20() {
  const net = nn.resnetCifar(20, { inChannels: 1 });
  train(net, [1, 12, 12], 10, 2);
  return { model: net, shape: [1, 12, 12] };
}

/** An MLP with dropout and batch norm, trained, left in training mode (the export switches to eval). */
export function mlp() {
  const net = new nn.Sequential(
    new nn.Flatten(), new nn.Linear(36, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Dropout(0.5),
    new nn.Linear(32, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(16, 10),
  );
  train(net, [1, 6, 6], 10);
  net.train();
  return { model: net, shape: [1, 6, 6] };
}

/** A DCGAN-style generator: transposed convolutions, batch norm, tanh; 16-d noise to 3 x 16 x 16. */
export function dcganGenerator() {
  const net = new nn.Sequential(
    new nn.ConvTranspose2d(16, 32, 4, { stride: 1, padding: 0, bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(),
    new nn.ConvTranspose2d(32, 16, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(),
    new nn.ConvTranspose2d(16, 3, 4, { stride: 2, padding: 1, bias: false }), new nn.Tanh(),
  );
  warmStats(net, [16, 1, 1]);
  return { model: net, shape: [16, 1, 1] };
}
