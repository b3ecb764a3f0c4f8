// Loaded by a test page before anything else: every console.log/error line
// and every uncaught error goes to the serving test/engines/server.mjs
// (POST /__log, in order, as they happen), which is how drivers read a page in any browser.
/**
 * Sends one line at once with a synchronous request: the suites run mostly
 * in microtasks, where a timer or fetch would hold every line until the end,
 * and a line sent is never lost if the page hangs or dies afterwards.
 */
function relay(text) {
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/__log', false);
  xhr.send(JSON.stringify([text]));
}

for (const level of ['log', 'info', 'warn', 'error']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    original(...args);
    relay(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '));
  };
}
addEventListener('error', (e) => relay(`pageerror: ${e.message} at ${e.filename}:${e.lineno}`));
addEventListener('unhandledrejection', (e) => relay(`pageerror: unhandled rejection: ${e.reason && e.reason.stack ? e.reason.stack : e.reason}`));
