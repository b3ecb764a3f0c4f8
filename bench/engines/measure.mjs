// One engine's pass over the benchmark, from inside the engine (Node, Deno,
// Bun or a browser page): for every configuration the engine supports
// (kernels 'simd' and 'relaxed-simd', 1 and 2 threads over shared memory)
// and every workload, a self-check (one run from a fixed seed, its outputs
// hashed) and a timing (warm-up, then samples of batched runs; the median ms
// per run). The driver (bench/engines.mjs) alternates engines across passes
// and judges the hashes.
import { engineVersion, relaxedMaddFuses } from '../../test/engines/engine-info.mjs';
import { workloads } from './workloads.mjs';
import { median } from '../lib/timing.mjs';

/** FNV-1a over the bytes of float32 arrays, as 8 hex digits. */
export function fnv(arrays) {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const SEED = 7;

/** A workload's self-check with the kernels and threads in use: one run from the fixed seed, its outputs hashed. */
export function selfCheck(sg, w, size) {
  sg.manualSeed(SEED);
  const job = w.make(sg, size);
  try {
    job.run();
    return fnv(job.outputs());
  } finally {
    job.dispose();
  }
}

/** The configurations this engine can run: kernels × threads. */
async function configurations(sg) {
  const kernels = ['simd', 'relaxed-simd'].filter((v) => {
    try {
      sg.useVariant(sg.useVariant(v));
      return true;
    } catch {
      return false;
    }
  });
  const before = sg.setNumThreads(2);
  const ready = await sg.threadsReady();
  sg.setNumThreads(before);
  const threads = ready.enabled && ready.workersReady >= 1 ? [1, 2] : [1];
  return { kernels, threads, threadsReason: ready.enabled ? '' : ready.reason };
}

/**
 * Runs the pass. Options: size ('full' | 'smoke'), warmupMs, samples,
 * sampleMs, onProgress(text). Resolves to { engine, configs, results } where
 * each result is { workload, kernels, threads, hash, ms, samples }.
 */
export async function measure(sg, { size = 'full', warmupMs = 300, samples = 5, sampleMs = 80, onProgress = () => {} } = {}) {
  const list = workloads(size);
  const { kernels, threads, threadsReason } = await configurations(sg);
  const engine = { version: engineVersion(), fma: await relaxedMaddFuses(), threads: threads.length > 1, threadsReason, cores: globalThis.navigator?.hardwareConcurrency ?? null };
  const results = [];
  const initialKernels = sg.wasmVariant();
  const initialThreads = sg.getNumThreads();
  const minWork = sg.setMinWorkPerThread(0); // even the smoke sizes split between threads
  try {
    for (const k of kernels) {
      sg.useVariant(k);
      for (const t of threads) {
        sg.setNumThreads(t);
        await sg.threadsReady();
        for (const w of list) {
          onProgress(`${w.id}, ${k}, ${t} thread${t > 1 ? 's' : ''}`);
          const hash = selfCheck(sg, w, size);
          sg.manualSeed(SEED);
          const job = w.make(sg, size);
          try {
            const ms = await time(job.run, { warmupMs, samples, sampleMs });
            results.push({ workload: w.id, kernels: k, threads: t, hash, ms: median(ms), samples: ms });
          } finally {
            job.dispose();
          }
          await new Promise((r) => setTimeout(r, 0)); // a page stays responsive between workloads
        }
      }
    }
  } finally {
    sg.useVariant(initialKernels);
    sg.setNumThreads(initialThreads);
    sg.setMinWorkPerThread(minWork);
  }
  return { engine, size, configs: { kernels, threads }, workloads: list.map(({ id, label, unit, lowerIsBetter }) => ({ id, label, unit, lowerIsBetter })), results };
}

/** Warms `run` up for warmupMs (the engine tiers its code up), then `samples` batches of about sampleMs each: ms per run of each batch. */
async function time(run, { warmupMs, samples, sampleMs }) {
  const now = () => performance.now();
  let iters = 1;
  const start = now();
  let per = Infinity;
  while (now() - start < warmupMs || per === Infinity) {
    const t = now();
    for (let i = 0; i < iters; i++) run();
    per = (now() - t) / iters;
    if (per * iters < sampleMs / 4) iters *= 2;
  }
  const batch = Math.max(1, Math.round(sampleMs / Math.max(per, 1e-3)));
  const out = [];
  for (let s = 0; s < samples; s++) {
    // a page that is not cross-origin isolated has a coarse clock: go on until it has ticked
    const t = now();
    let runs = 0;
    do {
      for (let i = 0; i < batch; i++) run();
      runs += batch;
    } while (now() === t);
    out.push((now() - t) / runs);
    await new Promise((r) => setTimeout(r, 0));
  }
  return out;
}
