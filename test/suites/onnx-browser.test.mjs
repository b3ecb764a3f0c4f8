// ONNX export checked in the browser's own onnxruntime-web (in each browser
// of the test run: Chromium, Firefox, WebKit): ResNet-20, an MLP with
// dropout and batch norm, and a DCGAN-style generator are exported in the
// page and run there in onnxruntime-web's wasm build (one thread, no proxy
// worker), compared with simdgrad's evaluation-mode output at other batch
// sizes. Each test fails after TIME_LIMIT_MS rather than hold the run.
// test/run.mjs serves onnxruntime-web's files from node_modules under ort/
// (no network); the import is by URL so the suites' bundle leaves it out.
// Outside a browser page (Node, Deno, Bun) the suite has no tests: Node runs
// the same checks and every op in test/node/onnx*.test.mjs.
import { suite, sg } from '../helpers/harness.mjs';
import { dcganGenerator, mlp, resnet20, roundTripper } from '../helpers/onnx.mjs';

const test = suite('onnx-browser');
const inPage = typeof document !== 'undefined' && typeof location !== 'undefined';

if (inPage) {
  const TIME_LIMIT_MS = 60_000;
  /** Runs f, failing if it has not finished within TIME_LIMIT_MS. */
  const limited = (what, f) => async () => {
    let timer;
    const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after ${TIME_LIMIT_MS / 1000} s`)), TIME_LIMIT_MS)));
    try {
      await Promise.race([f(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const hadWorker = 'Worker' in globalThis;
  let roundTrip = null;
  /** onnxruntime-web's wasm build, loaded from the served copy once. */
  const runtime = async () => {
    if (roundTrip !== null) return roundTrip;
    const ort = await import(/* @vite-ignore */ new URL('ort/ort.wasm.min.mjs', location.href).href);
    ort.env.wasm.wasmPaths = new URL('ort/', location.href).href;
    ort.env.wasm.proxy = false;
    roundTrip = roundTripper(ort);
    return roundTrip;
  };

  test('ResNet-20 exported in the page, run in onnxruntime-web at batches 1 and 3', limited('ResNet-20', async () => {
    sg.manualSeed(14);
    const { model, shape } = resnet20();
    await (await runtime())(model, shape, { batches: [1, 3] });
  }));

  test('an MLP with dropout and batch norm, exported from training mode, run at batches 1, 3, 5', limited('MLP', async () => {
    sg.manualSeed(15);
    const { model, shape } = mlp();
    await (await runtime())(model, shape);
  }));

  test('a DCGAN-style generator, run at batches 1, 3, 5', limited('generator', async () => {
    sg.manualSeed(16);
    const { model, shape } = dcganGenerator();
    await (await runtime())(model, shape);
  }));

  test('the page keeps its Worker as it was', () => {
    if ('Worker' in globalThis !== hadWorker) throw new Error(`onnxruntime changed the global Worker (before: ${hadWorker})`);
  });
}

test.run();
