// The playground's thread read-out: from simdgrad's threadingStatus() (or
// null when the build has no threads) to the text shown, with the reason in
// the user's terms. A browser may lack SharedArrayBuffer even on an isolated
// page (WebKitGTK): that is not the page's fault, so it is told apart.

/** { text, title }: the short read-out and the full status for the tooltip. */
export function threadReadout(t) {
  if (t === null) return { text: '1 (not available in this build)', title: 'not available in this build' };
  if (t.enabled) {
    const workers = `${t.workersReady} worker${t.workersReady === 1 ? '' : 's'} ready`;
    const text = `${t.threads} (${workers})`;
    return { text, title: text };
  }
  return { text: `1 (${shortReason(t.reason)})`, title: `1 thread: ${t.reason}` };
}

function shortReason(reason) {
  if (/not crossOriginIsolated/.test(reason)) return 'page not cross-origin isolated';
  if (/no SharedArrayBuffer in this runtime/.test(reason)) return 'this browser has no SharedArrayBuffer';
  if (/no Worker|no Atomics/.test(reason)) return reason.replace('runtime', 'browser');
  return reason;
}
