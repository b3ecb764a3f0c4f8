// TensorFlow.js 4.22.0: the wasm backend (XNNPACK, single-threaded in Node)
// and the plain-JavaScript cpu backend. @tensorflow/tfjs is imported for its
// gradient registrations (the CommonJS tfjs-core registers none).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

let tf;

/** The tf namespace with `backend` active ('wasm' or 'cpu'). */
export async function tfjs(backend) {
  if (tf === undefined) {
    tf = require('@tensorflow/tfjs');
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    require('@tensorflow/tfjs-backend-cpu');
  }
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend ${backend} failed to start`);
    await tf.ready();
  }
  return tf;
}
