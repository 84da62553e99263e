// Live progress on a terminal: an encode bar (done/total, texts/s, ETA, cache hits) and a training line (epoch,
// step, loss, dev accuracy, examples/s), both redrawn in place on stderr. Design decision: progress is drawn only
// when the stream is a TTY and the run is not --json, so piped output and JSON stay exactly what they were; the
// line text is built by pure functions (tested) and the writers only decide whether and where to draw.
import type { EncodeProgress } from '../encoder/types';
import type { EvalRecord, StepRecord } from '../train/trainer';

/** What the progress writers draw on (process.stderr in the command; a fake in tests). */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/** 75 -> "1:15", 3725 -> "1:02:05", NaN -> "?". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "encode train [#########.....]  600/1000  312 texts/s  ETA 0:01  (200 cached)" */
export function encodeBar(label: string, p: EncodeProgress, width = 24): string {
  const filled = Math.min(width, Math.round((width * p.done) / Math.max(1, p.total)));
  const rate = Number.isFinite(p.textsPerSecond) ? `${p.textsPerSecond.toFixed(0)} texts/s` : '- texts/s';
  const eta = p.done >= p.total ? 'done' : `ETA ${formatDuration(p.etaSeconds)}`;
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}  ${rate}  ${eta}  (${p.cached} cached)`;
}

/**
 * "[ytuning] epoch 2/10 step 40  loss 0.4132  dev loss 0.3900 acc 81.20% macro-F1 80.95  1534 ex/s": the epoch
 * and last training-loss readback (when there is one), and the latest dev evaluation (the previous epoch's while
 * an epoch runs, this epoch's at its end).
 */
export function trainLine(run: string, epochs: number, step: StepRecord | null, dev: EvalRecord | null): string {
  const parts = [`${run ? `[${run}] ` : ''}epoch ${(step?.epoch ?? dev?.epoch ?? 0) + 1}/${epochs}${step ? ` step ${step.step}` : ''}`];
  if (step) parts.push(`loss ${step.loss.toFixed(4)}`);
  if (dev) parts.push(`dev loss ${dev.loss.toFixed(4)} acc ${(dev.metrics.accuracy * 100).toFixed(2)}% macro-F1 ${(dev.metrics.macroF1 * 100).toFixed(2)}`);
  if (step) parts.push(`${step.examplesPerSecond.toFixed(0)} ex/s`);
  return parts.join('  ');
}

/** Draws one line in place (carriage return, cut to the terminal width); `done()` ends it with a newline. */
export class LiveLine {
  private drawn = false;
  readonly active: boolean;

  constructor(
    private readonly stream: ProgressStream,
    quiet: boolean,
  ) {
    this.active = !quiet && stream.isTTY === true;
  }

  draw(text: string): void {
    if (!this.active) return;
    const cols = Math.max(20, (this.stream.columns || 100) - 1); // a pty may report 0 columns
    const line = text.length > cols ? text.slice(0, cols) : text.padEnd(cols);
    this.stream.write(`\r${line}`);
    this.drawn = true;
  }

  done(): void {
    if (this.active && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/** An encoder onProgress callback drawing the encode bar (a no-op when not a TTY or quiet). */
export function encodeProgress(label: string, quiet: boolean, stream: ProgressStream = process.stderr): (p: EncodeProgress) => void {
  const line = new LiveLine(stream, quiet);
  if (!line.active) return () => {};
  return (p) => {
    line.draw(encodeBar(label, p));
    if (p.done >= p.total) line.done();
  };
}

/**
 * Trainer callbacks drawing the training line: redrawn at each loss readback, and at each dev evaluation made
 * permanent with a newline (so a terminal keeps one line per epoch). A no-op when not a TTY or quiet.
 */
export function trainProgress(run: string, epochs: number, quiet: boolean, stream: ProgressStream = process.stderr) {
  const line = new LiveLine(stream, quiet);
  let step: StepRecord | null = null;
  let dev: EvalRecord | null = null;
  return {
    active: line.active,
    onStep(r: StepRecord) {
      step = r;
      line.draw(trainLine(run, epochs, step, dev));
    },
    onEval(r: EvalRecord) {
      dev = r;
      line.draw(trainLine(run, epochs, step && step.epoch === r.epoch ? step : null, dev));
      line.done();
    },
  };
}
