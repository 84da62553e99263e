// The trainer: drives any Head over cached features with softmax cross-entropy, global-norm clipping and AdamW
// (warmup + decay), evaluates on the dev set each epoch, stops early with the best checkpoint restored, and stops
// a diverging run (NaN/Inf loss) with a clear message, keeping its best checkpoint. Design decision: one training
// step is one command buffer (forward, loss, backward, clip, AdamW — nothing read back); the loss is read back
// only every `readEvery` steps, which is all the live charts need. An optional pause gate is awaited between
// steps (pause/resume, and the studio's yield to the event loop when it trains on the page's main thread).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { adamwStep } from '../kernels/adamw';
import { binaryCrossEntropy, softmaxCrossEntropy } from '../kernels/cross-entropy';
import { mulberry32 } from '../util/random';
import { createGradNormPartials, gradNorm } from '../kernels/grad-norm';
import type { Head } from '../heads/head';
import { epochBatches, evalBatches, exampleLength, packBatch, type GpuBatch, type TrainExample } from './batches';
import { metricsFromLogits, type Metrics } from './metrics';
import { multiLabelMetrics, sigmoidAll, tuneThresholds } from './multi-label';
import { nll } from './calibration';
import { matchTargets, multiLabelTargets } from './loss-targets';
import { learningRate, type DecayKind } from './schedule';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Fraction of all steps spent warming up. */
  warmupFraction: number;
  decay: DecayKind;
  /** Global gradient-norm clip; 0 or Infinity disables it. */
  maxGradNorm: number;
  labelSmoothing: number;
  seed: number;
  /** Epochs without a better dev score before stopping (0 = never stop early). */
  patience: number;
  /** Token rows per example given to the head (longer cached features are cut). */
  tmax: number;
  /** Read the training loss back every this many steps (for charts and divergence checks). */
  readEvery: number;
  /** Also evaluate on dev every this many steps within an epoch (0 = only at epoch ends). */
  evalEverySteps: number;
  /**
   * 'softmax': cross-entropy over the L logits. 'match' (L-Tuning): each logit scores a (text, label) pair;
   * sigmoid cross-entropy on the true label's logit (target 1) and one random wrong label's (target 0), seeded.
   * Prediction is the argmax over labels either way; the reported loss is the softmax one. A head that scores
   * pairs (`Head.scoresPairs`) gets the batch's (true, false) pair list and runs only those pairs in training;
   * evaluation scores every label.
   * 'multilabel': sigmoid binary cross-entropy on every (example, label) logit, targets from each example's
   * `labels`; dev selection by macro-F1 at per-label thresholds tuned on dev (kept in `Trainer.thresholds`).
   */
  objective: 'softmax' | 'match' | 'multilabel';
  /**
   * Loss weights per label (./class-weights.ts), or null. Softmax: `positive` are the class weights. Multi-label:
   * a present label k weighs positive[k], an absent one negative[k]. Ignored by the match objective.
   */
  classWeights: { positive: number[]; negative: number[] } | null;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 10,
  batchSize: 32,
  lr: 1e-3,
  weightDecay: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  warmupFraction: 0.06,
  decay: 'linear',
  maxGradNorm: 1,
  labelSmoothing: 0,
  seed: 0,
  patience: 3,
  tmax: 128,
  readEvery: 10,
  evalEverySteps: 0,
  objective: 'softmax',
  classWeights: null,
};

export interface StepRecord {
  step: number;
  epoch: number;
  /** Mean training loss of the batch read back at this step. */
  loss: number;
  lr: number;
  /** Training examples per second since the previous record. */
  examplesPerSecond: number;
}

export interface EvalRecord {
  step: number;
  epoch: number;
  loss: number;
  metrics: Metrics;
}

export type StopReason = 'epochs' | 'early-stopping' | 'diverged' | 'aborted';

export interface TrainResult {
  stoppedBy: StopReason;
  /** A sentence for the user (why it stopped, what was kept). */
  message: string;
  steps: number;
  best: EvalRecord | null;
  train: StepRecord[];
  dev: EvalRecord[];
  seconds: number;
}

export interface TrainCallbacks {
  onStep?: (r: StepRecord) => void;
  onEval?: (r: EvalRecord) => void;
  signal?: AbortSignal;
  /**
   * Awaited before every training step: a caller pauses the run by returning a promise that resolves on resume
   * (and keeps a page responsive by yielding to the event loop here). It changes nothing the run computes, so a
   * paused and resumed run equals an uninterrupted one bit for bit. Abort while paused: abort, then resolve.
   */
  pauseGate?: () => Promise<void>;
}

/** Dev score used for model selection: accuracy (multi-label: macro-F1), then lower loss. */
function better(a: EvalRecord, b: EvalRecord | null): boolean {
  if (!b) return true;
  const score = (r: EvalRecord) => (r.metrics.multiLabel ? r.metrics.macroF1 : r.metrics.accuracy);
  if (score(a) !== score(b)) return score(a) > score(b);
  return a.loss < b.loss;
}

export class Trainer {
  readonly options: TrainOptions;
  private readonly m: GpuTensor[];
  private readonly v: GpuTensor[];
  private readonly best: GpuTensor[];
  private readonly clip: GpuTensor;
  private readonly partials: GpuTensor | null;
  private scratch: { B: number; loss: GpuTensor; dLogits: GpuTensor; correct: GpuTensor; stats: GpuTensor } | null = null;
  private matchScratch: { B: number; targets: GpuTensor; weights: GpuTensor; loss: GpuTensor; dLogits: GpuTensor; correct: GpuTensor } | null = null;
  private stepCount = 0;
  private readonly softmaxWeights: GpuTensor | null;
  /** Multi-label: the per-label thresholds of the best dev checkpoint (tuned on dev), or null. */
  thresholds: number[] | null = null;

  constructor(
    private readonly e: GpuEngine,
    readonly head: Head,
    options: Partial<TrainOptions> = {},
  ) {
    this.options = { ...DEFAULT_TRAIN_OPTIONS, ...options };
    const o = this.options;
    for (const k of ['epochs', 'batchSize', 'readEvery'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`training option ${k} must be a positive integer, got ${o[k]}`);
    }
    if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1)) throw new Error(`labelSmoothing must be in [0, 1), got ${o.labelSmoothing}`);
    const cw = o.classWeights;
    if (cw) {
      for (const w of [cw.positive, cw.negative]) {
        if (w.length !== head.labels || !w.every((x) => Number.isFinite(x) && x > 0)) throw new Error(`classWeights must hold ${head.labels} positive numbers per side, got [${w.join(', ')}]`);
      }
    }
    this.softmaxWeights = cw && o.objective === 'softmax' ? e.tensor([head.labels], 'trainer.classWeights', cw.positive) : null;
    this.m = head.params.map((p) => e.zeros(p.value.shape, `adamw.m.${p.name}`));
    this.v = head.params.map((p) => e.zeros(p.value.shape, `adamw.v.${p.name}`));
    this.best = head.params.map((p) => e.tensor(p.value.shape, `best.${p.name}`));
    this.clip = e.tensor([2], 'trainer.clip', [0, 1]);
    // A head without parameters (zero-shot) can be evaluated but not trained.
    this.partials = head.params.length ? createGradNormPartials(e, head.params.map((p) => p.grad)) : null;
  }

  private lossScratch(B: number) {
    if (this.scratch?.B !== B) {
      if (this.scratch) for (const t of [this.scratch.loss, this.scratch.dLogits, this.scratch.correct, this.scratch.stats]) t.release();
      const L = this.head.labels;
      this.scratch = {
        B,
        loss: this.e.tensor([B], 'trainer.loss'),
        dLogits: this.e.tensor([B, L], 'trainer.dLogits'),
        correct: this.e.tensor([B], 'trainer.correct'),
        stats: this.e.tensor([2], 'trainer.stats'),
      };
    }
    return this.scratch;
  }

  /** The (B * L) scratch of the per-(example, label) sigmoid losses (match and multi-label objectives). */
  private pairScratch(B: number): void {
    if (this.matchScratch?.B === B) return;
    if (this.matchScratch) for (const t of Object.values(this.matchScratch)) if (typeof t !== 'number') t.release();
    const n = B * this.head.labels;
    const t = (label: string) => this.e.tensor([n], `trainer.match.${label}`);
    this.matchScratch = { B, targets: t('targets'), weights: t('weights'), loss: t('loss'), dLogits: t('dLogits'), correct: t('correct') };
  }

  /**
   * Upload the per-(example, label) sigmoid targets and weights of a batch (./loss-targets.ts): the match
   * objective's true pair and one seeded random wrong pair, or the multi-label objective's 0/1 targets. Called
   * before the step's forward is recorded (an upload submits recorded work; a step is one command buffer).
   */
  private uploadPairTargets(batch: GpuBatch): void {
    this.pairScratch(batch.B);
    const L = this.head.labels;
    const t =
      this.options.objective === 'match'
        ? matchTargets(batch.labels, L, mulberry32((Math.imul(this.options.seed, 0x9e3779b1) + this.stepCount) >>> 0), !!this.head.scoresPairs)
        : multiLabelTargets(batch.labelSets, L, this.options.classWeights);
    if (t.pairs) batch.pairs = t.pairs;
    this.matchScratch!.targets.write(t.targets);
    this.matchScratch!.weights.write(t.weights);
  }

  /** Record the match objective's sigmoid cross-entropy; returns dLogits as (B, L). */
  private matchLoss(batch: GpuBatch, logits: GpuTensor): GpuTensor {
    const s = this.matchScratch!;
    const n = batch.B * this.head.labels;
    const stats = this.lossScratch(batch.B).stats;
    binaryCrossEntropy(this.e, { logits: logits.view([n]), targets: s.targets, weights: s.weights, loss: s.loss, dLogits: s.dLogits, correct: s.correct, stats });
    return s.dLogits.view([batch.B, this.head.labels]);
  }

  /** Record and submit one training step on a packed batch; returns the learning rate it used. */
  step(batch: GpuBatch, totalSteps: number): number {
    const { e, head, options: o } = this;
    if (!this.partials) throw new Error(`the ${head.kind} head has no parameters to train: evaluate it instead`);
    if (o.objective !== 'softmax') this.uploadPairTargets(batch);
    const logits = head.forward(e, batch, true);
    let dLogits: GpuTensor;
    if (o.objective !== 'softmax') dLogits = this.matchLoss(batch, logits);
    else {
      const s = this.lossScratch(batch.B);
      softmaxCrossEntropy(
        e,
        { logits, targets: batch.targets, weights: this.softmaxWeights, loss: s.loss, dLogits: s.dLogits, correct: s.correct, stats: s.stats },
        { labelSmoothing: o.labelSmoothing },
      );
      dLogits = s.dLogits;
    }
    head.backward(e, batch, dLogits);
    gradNorm(e, head.params.map((p) => p.grad), this.clip, this.partials, o.maxGradNorm);
    const lr = learningRate(this.stepCount, {
      lr: o.lr,
      totalSteps: totalSteps,
      warmupSteps: Math.round(o.warmupFraction * totalSteps),
      decay: o.decay,
    });
    this.stepCount++;
    head.params.forEach((p, i) => {
      adamwStep(
        e,
        { param: p.value, grad: p.grad, m: this.m[i], v: this.v[i], clip: this.clip },
        { lr: lr * (p.lrScale ?? 1), beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: p.decay ? o.weightDecay : 0, step: this.stepCount, zeroGrad: true },
      );
    });
    e.submit();
    return lr;
  }

  /**
   * Seconds per training step on `batch`, measured over `n` steps after one warm-up step (which compiles the
   * pipelines), each waited for on the GPU. Call before fit(): parameters, optimizer state and the step count
   * are put back exactly as they were, so a measured run equals an unmeasured one.
   */
  async measureStep(batch: GpuBatch, n = 3): Promise<number[]> {
    if (!this.partials) throw new Error(`the ${this.head.kind} head has no parameters to train`);
    if (this.stepCount !== 0) throw new Error('measureStep: call it before training starts');
    this.snapshot();
    const times: number[] = [];
    try {
      for (let i = 0; i <= n; i++) {
        const t0 = performance.now();
        this.step(batch, n + 1);
        await this.e.sync();
        if (i > 0) times.push((performance.now() - t0) / 1000);
      }
    } finally {
      this.restore();
      for (const t of [...this.m, ...this.v]) this.e.clear(t);
      for (const p of this.head.params) this.e.clear(p.grad);
      this.e.submit();
      this.stepCount = 0;
    }
    return times;
  }

  /** Mean loss of the last step (one small readback). */
  async lastLoss(): Promise<number> {
    if (!this.scratch) throw new Error('lastLoss: no step has run');
    return (await this.scratch.stats.read())[0];
  }

  /**
   * Loss and metrics of the head on labelled examples (no parameter change). Multi-label: the loss is the mean
   * sigmoid cross-entropy per (example, label), computed on the CPU from the logits, and the metrics are at
   * `thresholds` (default: this.thresholds, else 0.5 for every label).
   */
  async evaluate(examples: readonly TrainExample[], thresholds?: readonly number[]): Promise<{ loss: number; metrics: Metrics; logits: Float32Array }> {
    const { e, head, options: o } = this;
    const L = head.labels;
    if (o.objective === 'multilabel') {
      const logits = await this.logitsOf(examples);
      const sets = examples.map((x) => x.labels ?? [x.label]);
      return { loss: nll(logits, sets, L, 'sigmoid'), metrics: multiLabelMetrics(sigmoidAll(logits), sets, L, thresholds ?? this.thresholds ?? undefined), logits };
    }
    const logitsAll = new Float32Array(examples.length * L);
    let lossSum = 0;
    let offset = 0;
    for (const idx of evalBatches(examples.length, Math.max(o.batchSize, 64))) {
      const batch = packBatch(e, examples, idx, o.tmax);
      try {
        const logits = head.forward(e, batch, false);
        const s = this.lossScratch(batch.B);
        softmaxCrossEntropy(e, { logits, targets: batch.targets, weights: null, loss: s.loss, dLogits: s.dLogits, correct: s.correct, stats: s.stats });
        const [z, stats] = await Promise.all([logits.read(), s.stats.read()]);
        logitsAll.set(z.subarray(0, batch.B * L), offset * L);
        lossSum += stats[0] * batch.B;
        offset += batch.B;
      } finally {
        batch.release();
      }
    }
    const targets = examples.map((x) => x.label);
    return { loss: lossSum / Math.max(1, examples.length), metrics: metricsFromLogits(logitsAll, targets, L), logits: logitsAll };
  }

  /** (n, L) logits of the head on examples (evaluation mode, no loss). */
  async logitsOf(examples: readonly TrainExample[]): Promise<Float32Array> {
    const { e, head, options: o } = this;
    const L = head.labels;
    const out = new Float32Array(examples.length * L);
    let offset = 0;
    for (const idx of evalBatches(examples.length, Math.max(o.batchSize, 64))) {
      const batch = packBatch(e, examples, idx, o.tmax);
      try {
        const z = await head.forward(e, batch, false).read();
        out.set(z.subarray(0, batch.B * L), offset * L);
        offset += batch.B;
      } finally {
        batch.release();
      }
    }
    return out;
  }

  private snapshot(): void {
    this.head.params.forEach((p, i) => this.e.copy(p.value, this.best[i]));
    this.e.submit();
  }

  private restore(): void {
    this.head.params.forEach((p, i) => this.e.copy(this.best[i], p.value));
    this.e.submit();
  }

  /** Train on `train`, select on `dev`; the head ends with the best dev checkpoint's parameters. */
  async fit(train: readonly TrainExample[], dev: readonly TrainExample[], cb: TrainCallbacks = {}): Promise<TrainResult> {
    const o = this.options;
    if (train.length === 0) throw new Error('fit: the training set is empty');
    if (dev.length === 0) throw new Error('fit: the dev set is empty (use a dev split or a dev file)');
    const t0 = performance.now();
    const lengths = train.map(exampleLength);
    const stepsPerEpoch = Math.ceil(train.length / o.batchSize);
    const totalSteps = stepsPerEpoch * o.epochs;
    const history: { train: StepRecord[]; dev: EvalRecord[] } = { train: [], dev: [] };
    // Held in an object: closures below update it, which TypeScript's narrowing of a plain `let` would not see.
    const sel: { best: EvalRecord | null } = { best: null };
    let sinceBest = 0;
    let lastRead = performance.now();
    let examplesSinceRead = 0;
    const finish = (stoppedBy: StopReason, message: string): TrainResult => {
      if (sel.best) this.restore();
      if (o.objective === 'multilabel') this.thresholds = bestThresholds;
      return { stoppedBy, message, steps: this.stepCount, best: sel.best, ...history, seconds: (performance.now() - t0) / 1000 };
    };
    const devSets = dev.map((x) => x.labels ?? [x.label]);
    let bestThresholds: number[] | null = null;
    const evaluateDev = async (epoch: number): Promise<boolean> => {
      const r = await this.evaluate(dev);
      let thresholds: number[] | null = null;
      if (o.objective === 'multilabel') {
        // Per-label thresholds tuned on dev each evaluation; the kept checkpoint keeps its own.
        const probs = sigmoidAll(r.logits);
        thresholds = tuneThresholds(probs, devSets, this.head.labels);
        r.metrics = multiLabelMetrics(probs, devSets, this.head.labels, thresholds);
      }
      const rec: EvalRecord = { step: this.stepCount, epoch, loss: r.loss, metrics: r.metrics };
      history.dev.push(rec);
      cb.onEval?.(rec);
      if (!Number.isFinite(r.loss)) return false;
      if (better(rec, sel.best)) {
        sel.best = rec;
        bestThresholds = thresholds;
        sinceBest = 0;
        this.snapshot();
      }
      return true;
    };
    const diverged = (where: string) =>
      finish(
        'diverged',
        `Training diverged (${where} loss is not finite) at step ${this.stepCount}. ` +
          (sel.best ? `Kept the best checkpoint (epoch ${sel.best.epoch + 1}, dev accuracy ${(sel.best.metrics.accuracy * 100).toFixed(1)}%). ` : 'No checkpoint was kept. ') +
          'Try a lower learning rate or stronger gradient clipping.',
      );

    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (const idx of epochBatches(lengths, o.batchSize, o.seed, epoch)) {
        if (cb.pauseGate) await cb.pauseGate();
        if (cb.signal?.aborted) return finish('aborted', 'Training was stopped; the best checkpoint so far is kept.');
        const batch = packBatch(this.e, train, idx, o.tmax);
        let lr: number;
        try {
          lr = this.step(batch, totalSteps);
        } finally {
          batch.release();
        }
        examplesSinceRead += batch.B;
        if (this.stepCount % o.readEvery === 0) {
          const loss = await this.lastLoss();
          const now = performance.now();
          const rec: StepRecord = { step: this.stepCount, epoch, loss, lr, examplesPerSecond: (examplesSinceRead * 1000) / Math.max(1e-3, now - lastRead) };
          lastRead = now;
          examplesSinceRead = 0;
          history.train.push(rec);
          cb.onStep?.(rec);
          if (!Number.isFinite(loss)) return diverged('training');
        }
        if (o.evalEverySteps > 0 && this.stepCount % o.evalEverySteps === 0 && !(await evaluateDev(epoch))) return diverged('dev');
      }
      if (!(await evaluateDev(epoch))) return diverged('dev');
      if (history.dev.at(-1) !== sel.best) sinceBest++;
      if (o.patience > 0 && sinceBest >= o.patience) {
        return finish('early-stopping', `Stopped early: no better dev score for ${o.patience} epochs; restored epoch ${sel.best!.epoch + 1}.`);
      }
    }
    return finish('epochs', sel.best ? `Trained ${o.epochs} epochs; restored the best dev epoch (${sel.best.epoch + 1}).` : `Trained ${o.epochs} epochs.`);
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v, ...this.best, this.clip, this.partials, this.softmaxWeights]) t?.release();
    if (this.scratch) for (const t of [this.scratch.loss, this.scratch.dLogits, this.scratch.correct, this.scratch.stats]) t.release();
    if (this.matchScratch) for (const t of Object.values(this.matchScratch)) if (typeof t !== 'number') t.release();
    this.scratch = null;
    this.matchScratch = null;
  }
}
