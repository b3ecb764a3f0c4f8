// Progress of a training run: a redrawn bar on a TTY (experiment, arm, step,
// loss, accuracy, ETA); on a pipe or file, plain lines at 0%, every 25% and the end.

function fmtTime(s) {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class Progress {
  /** @param {{stream?: NodeJS.WriteStream, tty?: boolean, quiet?: boolean}} opts */
  constructor({ stream = process.stderr, tty = stream.isTTY === true, quiet = false } = {}) {
    this.stream = stream;
    this.tty = tty;
    this.quiet = quiet;
    this.active = null;
  }

  /** Starts a bar for `total` steps of `label`. */
  start(label, total) {
    this.active = { label, total, t0: performance.now(), lastDraw: 0, nextLine: 0 };
  }

  /** Reports step `step` (1-based) with optional loss and accuracy. */
  update(step, { loss, acc } = {}) {
    const a = this.active;
    if (!a || this.quiet) return;
    const now = performance.now();
    const frac = a.total > 0 ? step / a.total : 1;
    const elapsed = (now - a.t0) / 1000;
    const eta = step > 0 ? (elapsed / step) * (a.total - step) : Infinity;
    const stats = `${loss !== undefined ? ` loss ${loss.toFixed(3)}` : ''}${acc !== undefined ? ` acc ${(100 * acc).toFixed(1)}%` : ''}`;
    if (this.tty) {
      if (now - a.lastDraw < 100 && step < a.total) return;
      a.lastDraw = now;
      const width = 24, full = Math.round(frac * width);
      const bar = '█'.repeat(full) + '░'.repeat(width - full);
      const line = `${a.label} ${bar} ${step}/${a.total}${stats} ETA ${fmtTime(eta)}`;
      const cols = this.stream.columns || 120;
      this.stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
    } else if (frac >= a.nextLine || step === a.total) {
      while (a.nextLine <= frac) a.nextLine += 0.25;
      this.stream.write(`${a.label}: step ${step}/${a.total}${stats} (${fmtTime(elapsed)} elapsed, ETA ${fmtTime(eta)})\n`);
    }
  }

  /** Ends the bar (a TTY keeps the final line). */
  done() {
    if (this.active && this.tty && !this.quiet) this.stream.write('\n');
    this.active = null;
  }

  /** A message between bars. */
  log(msg) {
    if (this.quiet) return;
    if (this.tty && this.active) this.stream.write('\r\x1b[2K');
    this.stream.write(msg + '\n');
  }
}
