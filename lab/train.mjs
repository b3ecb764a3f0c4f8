// The training loop every arm of every experiment uses: SGD with momentum,
// cross-entropy, a step budget, the same data order for every arm (one
// DataLoader seed), curves of loss and error.
import { need } from './nets.mjs';

/** Mean cross-entropy of logits [B, K] against class indices y [B]. */
export function crossEntropy(sg, logits, y) {
  const fn = sg.F?.crossEntropy;
  if (fn) return fn(logits, y);
  const [CrossEntropyLoss] = need(sg, 'nn.CrossEntropyLoss');
  return new CrossEntropyLoss().call(logits, y);
}

/** Fraction of rows whose argmax differs from y. */
export function errorRate(sg, logits, y) {
  return 1 - sg.noGrad(() => logits.argmax(1).eq(y).mean().item());
}

export function makeSGD(sg, model, { lr, momentum = 0.9, weightDecay = 0 }) {
  const [SGD] = need(sg, 'optim.SGD');
  return new SGD([...model.parameters()], { lr, momentum, weightDecay });
}

/** Test error of `model` on the first `limit` samples of `loader`'s data (eval mode, no grad). */
export function evaluate(sg, model, loader, limit = Infinity) {
  const was = model.training;
  model.eval();
  let wrong = 0, seen = 0, loss = 0;
  for (const b of loader.inOrder(500)) {
    if (seen >= limit) {
      b.x.dispose();
      b.y.dispose();
      continue;
    }
    sg.scope(() => sg.noGrad(() => {
      const logits = model.call(b.x);
      const n = b.y.shape[0];
      wrong += errorRate(sg, logits, b.y) * n;
      loss += crossEntropy(sg, logits, b.y).item() * n;
      seen += n;
    }));
    b.x.dispose();
    b.y.dispose();
  }
  model.train(was);
  return { error: wrong / seen, loss: loss / seen };
}

/**
 * Trains `model` for `steps` SGD steps on batches of `train`; returns the
 * curves: per step the loss and the batch error, and every `evalEvery` steps
 * the error on the (fixed) evaluation sets given in `evals` ({name: loader}).
 * `stopAtError`: stop early once the running training error (mean of the last
 * `window` batches) is at or below it.
 */
export function trainArm(sg, { model, train, steps, lr, momentum = 0.9, progress, label, evals = {}, evalEvery = 0, evalLimit = 1000, stopAtError = null, window = 20 }) {
  if (evalEvery > 0) evalEvery = Math.max(1, evalEvery);
  const opt = makeSGD(sg, model, { lr, momentum });
  const t0 = performance.now();
  const curve = { step: [], loss: [], batchError: [], evals: Object.fromEntries(Object.keys(evals).map((k) => [k, []])), evalLoss: Object.fromEntries(Object.keys(evals).map((k) => [k, []])), diverged: false, stoppedAt: null };
  const runningErr = [];
  const doEval = (step) => {
    for (const [name, loader] of Object.entries(evals)) {
      const r = evaluate(sg, model, loader, evalLimit);
      curve.evals[name].push([step, r.error]);
      curve.evalLoss[name].push([step, r.loss]);
    }
  };
  try {
    model.train();
    progress?.start(label, steps);
    if (evalEvery > 0) doEval(0);
    for (let step = 1; step <= steps; step++) {
      const b = train.next();
      const { loss, err } = sg.scope(() => {
        const logits = model.call(b.x);
        const l = crossEntropy(sg, logits, b.y);
        opt.zeroGrad();
        l.backward();
        opt.step();
        return { loss: l.item(), err: errorRate(sg, logits, b.y) };
      });
      b.x.dispose();
      b.y.dispose();
      curve.step.push(step);
      curve.loss.push(loss);
      curve.batchError.push(err);
      runningErr.push(err);
      if (runningErr.length > window) runningErr.shift();
      progress?.update(step, { loss, acc: 1 - err });
      if (evalEvery > 0 && step % evalEvery === 0) doEval(step);
      if (!Number.isFinite(loss)) {
        curve.diverged = true;
        break;
      }
      if (stopAtError !== null && runningErr.length === window && runningErr.reduce((a, c) => a + c, 0) / window <= stopAtError) {
        curve.stoppedAt = step;
        break;
      }
    }
  } finally {
    opt.dispose();
    progress?.done();
  }
  curve.seconds = (performance.now() - t0) / 1000;
  return curve;
}

/** First step at which the running mean (over `window`) of `values` is <= threshold, or null. */
export function stepsToThreshold(values, threshold, window = 20) {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    if (i >= window - 1 && sum / window <= threshold) return i + 1;
  }
  return null;
}

/** Running mean over `window` for a chart (points [step, value]). */
export function smooth(steps, values, window = 20) {
  const out = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    const n = Math.min(i + 1, window);
    if (i % Math.max(1, Math.floor(window / 4)) === 0 || i === values.length - 1) out.push([steps[i], sum / n]);
  }
  return out;
}
