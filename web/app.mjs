// The playground page: reads the controls, drives the training worker, draws
// the charts from its metrics, and turns the drawing pad into 28x28 inputs
// for predictions. No engine runs on this thread.
import { PALETTE, legend, lineChart, probabilityBars, rampColor } from './charts.mjs';
import { threadReadout } from './threads-text.mjs';

const $ = (id) => document.getElementById(id);
const controls = $('controls');
const startButton = $('start'), resetButton = $('reset');
const status = (text, error = false) => {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
};

const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
let ready = false, running = false;
let serial = 0; // number of the latest reset: replies about older networks are ignored

// ---- configuration -------------------------------------------------------

/** The numeric controls: their names, ranges, and whether they take whole numbers. */
const NUMBERS = {
  depth: { name: 'Depth', lo: 1, hi: 24, whole: true },
  width: { name: 'Width', lo: 2, hi: 512, whole: true },
  dropoutP: { name: 'Drop rate', lo: 0, hi: 0.9 },
  lr: { name: 'Learning rate', lo: 1e-6, hi: 10 },
};

/**
 * The settings. A number out of range (or fractional where a whole one is
 * needed) is corrected in its field and the correction listed; an empty or
 * non-numeric one is refused (its field marked invalid). Returns
 * { cfg, corrected: [text], refused: [text] }.
 */
function readConfig() {
  const corrected = [], refused = [];
  const num = (id) => {
    const { name, lo, hi, whole } = NUMBERS[id];
    const input = $(id), raw = input.value.trim(), v = Number(raw);
    const bad = raw === '' || !Number.isFinite(v);
    input.setAttribute('aria-invalid', String(bad));
    if (bad) {
      refused.push(`${name} needs a number from ${lo} to ${hi}`);
      return NaN;
    }
    const fixed = Math.min(hi, Math.max(lo, whole ? Math.round(v) : v));
    if (fixed !== v) {
      corrected.push(`${name} ${raw} is ${v < lo ? 'below the minimum' : v > hi ? 'above the maximum' : 'not a whole number'}: using ${fixed}`);
      input.value = String(fixed);
    }
    return fixed;
  };
  const cfg = {
    arch: $('arch').value,
    depth: num('depth'),
    width: num('width'),
    activation: $('activation').value,
    dropout: $('dropout').value,
    dropoutP: num('dropoutP'),
    batchNorm: $('batchNorm').checked,
    residual: $('residual').checked,
    init: $('init').value,
    optimizer: $('optimizer').value,
    lr: num('lr'),
    seed: 1,
  };
  return { cfg, corrected, refused };
}

/**
 * Widths per layer type: switching to convolutions picks a channel count
 * that trains at interactive speed (8), switching back restores the last
 * width used with that type.
 */
const widthFor = { mlp: 128, cnn: 8 };
let builtArch = 'mlp';
$('arch').addEventListener('change', () => {
  const arch = $('arch').value;
  if (arch === builtArch) return;
  const width = Number($('width').value);
  if (Number.isFinite(width) && $('width').value !== '') widthFor[builtArch] = width;
  $('width').value = String(widthFor[arch]);
});

/** Controls that make no sense together are explained (and Dropout2d needs convolutions). */
function configNote(cfg) {
  if (cfg.dropout === 'dropout2d' && cfg.arch !== 'cnn') return 'Dropout2d drops whole channels: choose the convolutional layers.';
  if (cfg.init === 'looks-linear' && cfg.activation !== 'crelu') return 'Looks-linear initialisation is meant for CReLU (here: orthogonal weights, zero biases).';
  if (cfg.arch === 'cnn' && cfg.width > 32) return 'Convolutions with many channels train slowly here; try width 8 to 16.';
  return 'Changing a setting rebuilds the network.';
}

function reset() {
  const { cfg, corrected, refused } = readConfig();
  serial++;
  clearPrediction();
  const refusal = refused.length ? `${refused.join('; ')}.` : cfg.dropout === 'dropout2d' && cfg.arch !== 'cnn' ? 'Dropout2d needs the convolutional network.' : '';
  $('config-note').textContent = corrected.length ? `Corrected: ${corrected.join('; ')}.` : refusal ? 'Fix the setting to rebuild the network.' : configNote(cfg);
  if (refusal) {
    worker.postMessage({ type: 'pause' });
    status(`Not built: ${refusal}`, true);
    startButton.disabled = true;
    return;
  }
  builtArch = cfg.arch;
  clearHistory();
  for (const id of ['step', 'epoch']) $(id).textContent = '0';
  $('speed').textContent = '–';
  $('test-acc').textContent = '–';
  $('test-acc').dataset.value = '0';
  startButton.disabled = true;
  status('Building the network…');
  worker.postMessage({ type: 'reset', config: cfg, serial });
}

controls.addEventListener('change', () => ready && reset());
controls.addEventListener('submit', (e) => e.preventDefault());
startButton.addEventListener('click', () => worker.postMessage({ type: running ? 'pause' : 'start' }));
resetButton.addEventListener('click', reset);

function setRunning(r) {
  running = r;
  startButton.textContent = r ? 'Pause' : 'Start';
  startButton.setAttribute('aria-pressed', String(r));
  document.body.dataset.state = r ? 'training' : 'paused';
}

// ---- metrics and charts --------------------------------------------------

let history;
function clearHistory() {
  history = { trainLoss: [], trainAcc: [], testLoss: [], testAcc: [], grad: [], act: [], layers: [], probes: 0 };
  scheduleDraw();
}

function record(m) {
  const s = m.step;
  if (m.train) {
    history.trainLoss.push([s, m.train.loss]);
    history.trainAcc.push([s, m.train.acc]);
  }
  if (m.test) {
    history.testLoss.push([s, m.test.loss]);
    history.testAcc.push([s, m.test.acc]);
    const out = $('test-acc');
    out.textContent = `${(100 * m.test.acc).toFixed(1)}%`;
    out.dataset.value = String(m.test.acc);
    out.dataset.loss = String(m.test.loss);
    if (s === 0) out.dataset.initialLoss = String(m.test.loss);
  }
  if (m.gradNorms) m.gradNorms.forEach((g, i) => (history.grad[i] ??= []).push([s, g]));
  m.actVar.forEach((v, i) => (history.act[i] ??= []).push([s, v]));
  for (const k of ['trainLoss', 'trainAcc', 'grad', 'act']) thin(history, k);
  $('step').textContent = String(s);
  $('epoch').textContent = m.epoch.toFixed(2);
  if (m.imagesPerSecond > 0) $('speed').textContent = `${Math.round(m.imagesPerSecond).toLocaleString('en')} images/s`;
  showRuntime(m.runtime);
}

/** Keeps long series at most ~600 points by dropping every other old point. */
function thin(h, key) {
  const lists = Array.isArray(h[key][0]?.[0]) ? h[key] : [h[key]];
  for (const l of lists) if (l.length > 600) l.splice(0, l.length, ...l.filter((_, i) => i % 2 === 0 || i === l.length - 1));
}

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawCharts();
  });
}

function drawCharts() {
  const lossSeries = [
    { name: 'train (last 20 batches)', color: PALETTE[0], points: history.trainLoss },
    { name: 'test', color: PALETTE[1], points: history.testLoss, dashed: true },
  ];
  lineChart($('chart-loss'), lossSeries, { logY: true });
  legend($('legend-loss'), lossSeries);
  const accSeries = [
    { name: 'train (last 20 batches)', color: PALETTE[0], points: history.trainAcc },
    { name: 'test', color: PALETTE[1], points: history.testAcc, dashed: true },
  ];
  lineChart($('chart-acc'), accSeries, { yMax: 1 });
  legend($('legend-acc'), accSeries);
  const perLayer = (lists, names) => lists.map((points, i) => ({ name: names[i], color: rampColor(i, lists.length), points }));
  const gradSeries = perLayer(history.grad, history.grad.map((_, i) => `W${i + 1}`));
  lineChart($('chart-grad'), gradSeries, { logY: true, emptyText: 'starts with training' });
  legend($('legend-grad'), gradSeries);
  const actSeries = perLayer(history.act, history.act.map((_, i) => `h${i + 1}`));
  lineChart($('chart-act'), actSeries, { logY: true, emptyText: 'no hidden layer' });
  legend($('legend-act'), actSeries);
}

function showRuntime(rt) {
  $('variant').textContent = rt.variant;
  const mem = $('memory');
  mem.textContent = `${(rt.memory.bytesInUse / 2 ** 20).toFixed(1)} MB`;
  mem.title = `${rt.memory.liveTensors} live tensors; wasm heap ${(rt.memory.heapBytes / 2 ** 20).toFixed(0)} MB`;
  mem.dataset.liveTensors = String(rt.memory.liveTensors);
  mem.dataset.bytesInUse = String(rt.memory.bytesInUse);
  const { text, title } = threadReadout(rt.threading);
  $('threads').textContent = text;
  $('threads').title = title;
}

// ---- drawing pad ---------------------------------------------------------

const pad = $('pad'), padCtx = pad.getContext('2d', { willReadFrequently: true });
const preview = $('preview'), previewCtx = preview.getContext('2d', { willReadFrequently: true });
let drawing = null, inked = false, predictId = 0, lastPredict = 0;

function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
}

pad.addEventListener('pointerdown', (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  drawing = padPoint(e);
  padCtx.lineCap = padCtx.lineJoin = 'round';
  padCtx.lineWidth = 20;
  padCtx.strokeStyle = '#000';
  padCtx.beginPath();
  padCtx.arc(drawing[0], drawing[1], padCtx.lineWidth / 2, 0, 2 * Math.PI);
  padCtx.fillStyle = '#000';
  padCtx.fill();
  inked = true;
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const p = padPoint(e);
  padCtx.beginPath();
  padCtx.moveTo(...drawing);
  padCtx.lineTo(...p);
  padCtx.stroke();
  drawing = p;
  if (performance.now() - lastPredict > 150) requestPrediction();
});
const endStroke = () => {
  if (!drawing) return;
  drawing = null;
  requestPrediction();
};
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);
pad.addEventListener('keydown', (e) => {
  if (e.key === 'Delete' || e.key === 'Backspace' || e.key === 'Escape') {
    e.preventDefault();
    clearPad();
  }
});
$('clear').addEventListener('click', clearPad);

function clearPad() {
  padCtx.clearRect(0, 0, pad.width, pad.height);
  previewCtx.clearRect(0, 0, 28, 28);
  inked = false;
  clearPrediction();
}

/** Forgets the shown prediction (and any still on its way): the network it came from is gone or the pad is empty. */
function clearPrediction() {
  predictId++;
  const out = $('prediction');
  out.textContent = inked ? 'waiting for the new network' : 'draw something';
  delete out.dataset.digit;
  $('chart-probs').replaceChildren();
  $('chart-probs').removeAttribute('aria-label');
}

/**
 * The drawing as MNIST-like input: the ink (alpha) cropped to its bounding
 * box, scaled so its longer side is 20 px, placed in 28x28 with its centre
 * of mass at the centre. Returns bytes 0..255 (ink = 255), or null if empty.
 */
function padToDigit() {
  const { data } = padCtx.getImageData(0, 0, pad.width, pad.height);
  let x0 = pad.width, y0 = pad.height, x1 = -1, y1 = -1;
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (data[(y * pad.width + x) * 4 + 3] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, s = 20 / Math.max(w, h);
  const place = (dx, dy) => {
    previewCtx.clearRect(0, 0, 28, 28);
    previewCtx.imageSmoothingEnabled = true;
    previewCtx.imageSmoothingQuality = 'high';
    previewCtx.drawImage(pad, x0, y0, w, h, dx, dy, w * s, h * s);
    const px = previewCtx.getImageData(0, 0, 28, 28).data;
    return Uint8Array.from({ length: 784 }, (_, i) => px[i * 4 + 3]);
  };
  const first = place((28 - w * s) / 2, (28 - h * s) / 2);
  let m = 0, mx = 0, my = 0;
  first.forEach((v, i) => ((m += v), (mx += v * (i % 28)), (my += v * Math.floor(i / 28))));
  const pixels = place((28 - w * s) / 2 + 13.5 - mx / m, (28 - h * s) / 2 + 13.5 - my / m);
  // the preview shows the input as the network sees it: white ink on black
  const img = previewCtx.createImageData(28, 28);
  pixels.forEach((v, i) => img.data.set([v, v, v, 255], i * 4));
  previewCtx.putImageData(img, 0, 0);
  return pixels;
}

function requestPrediction() {
  if (!inked || !ready) return;
  const pixels = padToDigit();
  if (!pixels) return;
  lastPredict = performance.now();
  worker.postMessage({ type: 'predict', id: ++predictId, pixels }, [pixels.buffer]);
}

function showPrediction(probs) {
  if (!probs || !inked) return;
  const best = probs.indexOf(Math.max(...probs));
  const out = $('prediction');
  out.textContent = `${best} (${(100 * probs[best]).toFixed(0)}%)`;
  out.dataset.digit = String(best);
  probabilityBars($('chart-probs'), probs);
  $('chart-probs').setAttribute('aria-label', `Class probabilities: ${probs.map((p, k) => `${k}: ${(100 * p).toFixed(0)}%`).join(', ')}`);
}

// ---- worker messages -----------------------------------------------------

worker.onmessage = ({ data: m }) => {
  if (m.type === 'ready') {
    ready = true;
    showRuntime(m.runtime);
    status(`Ready: ${m.data.train} training and ${m.data.test} test digits.`);
    reset();
  } else if ((m.type === 'reset' || m.type === 'metrics') && m.serial !== serial) {
    // about a network an older reset built
  } else if (m.type === 'reset') {
    $('params').textContent = m.params.toLocaleString('en');
    startButton.disabled = resetButton.disabled = false;
    setRunning(false);
    status(`Network built: ${m.layers.length} weight layers, ${m.params.toLocaleString('en')} parameters. Press Start.`);
    requestPrediction(); // what the new, untrained network makes of the drawing
  } else if (m.type === 'state') {
    setRunning(m.running);
    if (m.running) status('Training…');
    else if (!$('status').classList.contains('error')) status('Paused.');
  } else if (m.type === 'metrics') {
    record(m);
    scheduleDraw();
    if (inked && running && performance.now() - lastPredict > 500) requestPrediction();
  } else if (m.type === 'prediction') {
    if (m.id === predictId) showPrediction(m.probs);
  } else if (m.type === 'error') {
    status(`Error: ${m.message}`, true);
    if (m.kind === 'diverged') console.warn('playground:', m.message);
    else console.error('playground worker:', m.message);
  }
};
worker.onerror = (e) => {
  status(`The training worker failed: ${e.message || 'could not start'}`, true);
  console.error('playground worker failed:', e.message);
};

clearHistory();
