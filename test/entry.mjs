// Runs uvu suites in order and prints one machine-readable result line, the
// same way in Node, Deno and the browser. `suites`: [name, () => import(...)].
export async function runSuites(suites) {
  globalThis.UVU_DEFER = 1;
  globalThis.__sg = { passed: 0, failed: 0, failures: [], hashes: {} };
  const uvu = await import('uvu');
  let i = 0;
  for (const [name, load] of suites) {
    globalThis.UVU_INDEX = i++;
    globalThis.UVU_QUEUE.push([name]);
    await load();
  }
  await uvu.exec(false);
  const r = globalThis.__sg;
  console.log('SIMDGRAD-RESULT ' + JSON.stringify({ passed: r.passed, failed: r.failed, failures: r.failures, hashes: r.hashes }));
  return r;
}
