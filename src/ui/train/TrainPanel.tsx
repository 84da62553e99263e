// The Train step: head choice, label texts with their zero-shot accuracy on dev, the advanced settings, Train /
// Pause / Resume / Stop, encoding progress (texts/s, ETA, cache hits) and the live charts. Design decision: a
// thin view — it reads the train slice and calls src/store/train-workflows.ts; nothing here touches the GPU.
import { useEffect, useState, type ReactNode } from 'react';
import { HEAD_KINDS, headEntry, type HeadKind } from '../../heads/registry';
import { useStudio } from '../../store/store';
import type { TrainForm } from '../../store/train-slice';
import {
  checkZeroShot,
  formErrors,
  onDatasetChanged,
  pauseTraining,
  resetLabelTexts,
  resetTrainForm,
  resumeTraining,
  setHeadKind,
  setLabelText,
  setTrainForm,
  startTraining,
  stopTraining,
} from '../../store/train-workflows';
import type { DecayKind } from '../../train/schedule';
import { duration, headInfo, liveEpoch, pct, rate, trainEtaSeconds } from './format';
import { RunSizingNote } from './RunSizingNote';
import { TrainCharts } from './TrainCharts';
import { ClassWeightsField } from './ClassWeightsField';
import './train.css';

const useDataset = () => useStudio((s) => s.dataset);

function NumberField({ label, field, step, min, hint }: { label: string; field: keyof TrainForm; step?: number; min?: number; hint?: string }) {
  const value = useStudio((s) => s.trainForm[field]) as number;
  const busy = useStudio((s) => s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused');
  // The text as typed ("1e-", "0.") stays in the box; the store gets the number it parses to (NaN: flagged).
  const [text, setText] = useState(Number.isFinite(value) ? String(value) : '');
  useEffect(() => {
    if (Number(text) !== value && !(Number.isNaN(value) && text.trim() === '')) setText(Number.isFinite(value) ? String(value) : '');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <label className="field" title={hint}>
      <span>{label}</span>
      <input
        type="number"
        data-testid={`train-${field}`}
        value={text}
        step={step ?? 1}
        min={min ?? 0}
        disabled={busy}
        onChange={(e) => {
          setText(e.target.value);
          setTrainForm({ [field]: e.target.value.trim() === '' ? Number.NaN : Number(e.target.value) } as Partial<TrainForm>);
        }}
      />
    </label>
  );
}

function HeadPicker({ disabled }: { disabled: boolean }) {
  const kind = useStudio((s) => s.headKind);
  return (
    <div className="head-picker" role="radiogroup" aria-label="Head" data-testid="head-picker">
      {HEAD_KINDS.map((k) => {
        // Kinds that run the encoder in WGSL on token ids: slow per step, so the run is measured before it trains.
        const wgsl = headEntry(k).input === 'token-ids';
        return (
          <label key={k} className={`head-option${k === kind ? ' selected' : ''}`} data-kind={k}>
            <input type="radio" name="head" value={k} checked={k === kind} disabled={disabled} onChange={() => setHeadKind(k as HeadKind)} />
            <span className="head-title">
              {headInfo(k).title}
              {k === 'ytuning' && <span className="badge badge-accent">default</span>}
            </span>
            <span className="head-blurb">{headInfo(k).blurb}</span>
            {wgsl && <span className="head-blurb">Runs the encoder in WGSL on token ids (no feature cache): a few steps are timed first and the whole run's time is shown before it trains.</span>}
          </label>
        );
      })}
    </div>
  );
}

function LabelTexts({ disabled, ready }: { disabled: boolean; ready: boolean }) {
  const labels = useStudio((s) => s.labelTextsFor);
  const texts = useStudio((s) => s.labelTexts);
  const zs = useStudio((s) => s.zeroShot);
  const busy = useStudio((s) => s.zeroShotBusy);
  const err = useStudio((s) => s.zeroShotError);
  const current = zs && zs.labelTexts.join('\u0000') === texts.join('\u0000');
  const shown = labels.slice(0, 50);
  return (
    <div className="label-texts">
      <div className="row between">
        <h3>Label texts</h3>
        <div className="row zero-shot" data-testid="zero-shot">
          {busy && <span className="spinner" aria-hidden />}
          {zs ? (
            zs.multiLabel ? (
              <span className={current ? '' : 'stale'} data-testid="zero-shot-multilabel" title="Each label scored on its own: sigmoid of the text's cosine with the label text, a threshold per label tuned on dev for the best F1 (as the trained heads' dev metrics are)">
                Zero-shot on dev, per label: macro-F1 <b data-testid="zero-shot-accuracy">{pct(zs.macroF1)}</b>
                <span className="muted"> · micro-F1 {pct(zs.multiLabel.microF1)} · subset accuracy {pct(zs.multiLabel.subsetAccuracy)} · thresholds tuned on dev · {zs.dev.toLocaleString()} {zs.dev === 1 ? 'example' : 'examples'}</span>
              </span>
            ) : (
              <span className={current ? '' : 'stale'}>
                Zero-shot on dev: <b data-testid="zero-shot-accuracy">{pct(zs.accuracy)}</b> accuracy
                <span className="muted"> · macro-F1 {pct(zs.macroF1)} · {zs.dev.toLocaleString()} {zs.dev === 1 ? 'example' : 'examples'}</span>
              </span>
            )
          ) : (
            !busy && (
              <button className="btn-sm" data-testid="zero-shot-check" disabled={disabled || !ready} onClick={() => void checkZeroShot()} title="Encodes the dev set (kept for training) and scores it with the label texts alone">
                Check zero-shot accuracy on dev
              </button>
            )
          )}
        </div>
      </div>
      <p className="muted small">
        What the encoder reads for each label: its seed for Y-Tuning, L-Tuning, label tuning and zero-shot. A short
        description (“an unsolicited advertising e-mail”) often beats a bare name — the zero-shot score tells you.
      </p>
      {err && <div className="alert alert-warn small">{err}</div>}
      <div className="label-text-grid">
        {shown.map((name, i) => (
          <label key={name} className="label-text-row">
            <span className="label-name" title={name}>{name}</span>
            <input data-testid={`label-text-${i}`} value={texts[i] ?? ''} disabled={disabled} onChange={(e) => setLabelText(i, e.target.value)} />
          </label>
        ))}
      </div>
      {labels.length > shown.length && <p className="muted small">…and {labels.length - shown.length} more labels (their names are used).</p>}
      {texts.some((t, i) => t !== labels[i]) && (
        <button className="btn-ghost btn-sm" disabled={disabled} onClick={resetLabelTexts}>
          Reset to label names
        </button>
      )}
    </div>
  );
}

function Advanced({ disabled }: { disabled: boolean }) {
  const decay = useStudio((s) => s.trainForm.decay);
  const fallback = useStudio((s) => s.adapter?.isFallbackAdapter ?? false);
  return (
    <details className="train-advanced" data-testid="train-advanced">
      <summary>Advanced settings</summary>
      <div className="advanced-grid">
        <NumberField label="Epochs" field="epochs" min={1} />
        <NumberField label="Batch size" field="batchSize" min={1} />
        <NumberField label="Learning rate" field="lr" step={0.0001} />
        <NumberField label="Weight decay" field="weightDecay" step={0.001} />
        <NumberField label="Warmup (fraction of steps)" field="warmupFraction" step={0.01} />
        <label className="field">
          <span>LR decay</span>
          <select value={decay} disabled={disabled} onChange={(e) => setTrainForm({ decay: e.target.value as DecayKind })}>
            <option value="linear">linear</option>
            <option value="cosine">cosine</option>
            <option value="constant">constant</option>
          </select>
        </label>
        <NumberField label="Label smoothing" field="labelSmoothing" step={0.01} />
        <ClassWeightsField disabled={disabled} />
        <NumberField label="Patience (epochs, 0 = off)" field="patience" />
        <NumberField label="Seed" field="seed" />
        <NumberField label="Tmax (tokens)" field="tmax" min={1} />
        <NumberField label="Train sample (0 = all)" field="maxTrain" step={100} hint="A stratified, seeded sample of the training set" />
        <NumberField label="Dev sample (0 = all)" field="maxDev" step={50} hint="A stratified, seeded sample of the dev set" />
      </div>
      <div className="row between">
        <span className="muted small">
          {fallback ? 'This GPU is a CPU fallback adapter: a sample of ~1,000 training examples keeps a first run to a few minutes.' : 'Defaults follow the Y-Tuning paper’s settings and our measurements.'}
        </span>
        <button className="btn-ghost btn-sm" disabled={disabled} onClick={resetTrainForm}>
          Reset to defaults
        </button>
      </div>
    </details>
  );
}

function EncodeProgressView() {
  const stage = useStudio((s) => s.encodeStage);
  const status = useStudio((s) => s.trainStatus);
  if (!stage) return null;
  const p = stage.progress;
  const frac = p.total ? p.done / p.total : 0;
  return (
    <div className="encode-progress" data-testid="encode-progress">
      <div className="progress-meta">
        <span>
          <b>Encoding the {stage.set} set</b> · {p.done.toLocaleString()} / {p.total.toLocaleString()} texts
        </span>
        <span>
          {rate(p.textsPerSecond)} texts/s · {Number.isFinite(p.etaSeconds) ? `${duration(p.etaSeconds)} left` : 'estimating…'}
          {p.cached > 0 && ` · ${p.cached.toLocaleString()} from the feature cache`}
        </span>
      </div>
      <div className="progress-bar">
        <span style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      </div>
      {status === 'encoding' && (
        <div className="row" style={{ marginTop: '0.4rem' }}>
          <button className="btn-sm btn-danger" data-testid="encode-cancel" onClick={stopTraining}>
            Cancel encoding
          </button>
        </div>
      )}
    </div>
  );
}

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="stat">
      <span className="stat-value" data-testid={testId}>{children}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

/**
 * The run's cost measured from real steps before it started (on a CPU adapter, and always for the kinds that run
 * the encoder in WGSL), a one-minute sample, and for those kinds on a CPU adapter a warning.
 */
function SizeHint({ runId, kind }: { runId: string; kind: HeadKind }) {
  const est = useStudio((s) => s.runEstimate);
  const running = useStudio((s) => s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused');
  const cpu = useStudio((s) => s.adapter?.isFallbackAdapter ?? false);
  if (!est || est.runId !== runId) return null;
  const wgsl = headEntry(kind).input === 'token-ids';
  return (
    <>
      {wgsl && cpu && (
        <div className="alert alert-warn small" data-testid="cpu-adapter-warning">
          This WebGPU adapter is a CPU fallback: this kind runs the whole encoder in WGSL on the CPU, which is slow. A real GPU runs it many times faster; a small train sample keeps a first run short.
        </div>
      )}
      <p className="muted small" data-testid="size-hint">
        Measured before training{cpu ? ' on this CPU adapter' : ''}: a step takes {duration(est.stepSeconds)}, so this run takes about {duration(est.totalSeconds)}.
        {est.proposal !== null && (
          <>
            {' '}A sample of {est.proposal.toLocaleString()} training examples trains in about a minute.{' '}
            <button className="btn-ghost btn-sm" data-testid="size-hint-use" disabled={running} onClick={() => setTrainForm({ maxTrain: est.proposal! })}>
              Use a sample of {est.proposal.toLocaleString()}
            </button>
          </>
        )}
      </p>
    </>
  );
}

function LiveRun() {
  const run = useStudio((s) => s.run);
  const status = useStudio((s) => s.trainStatus);
  const summary = useStudio((s) => s.encodeSummary);
  if (!run) return null;
  const last = run.steps.at(-1);
  const best = run.evals.reduce<(typeof run.evals)[number] | undefined>((b, e) => (!b || e.metrics.accuracy > b.metrics.accuracy ? e : b), undefined);
  const stepsPerEpoch = Math.ceil(run.dataset.train / run.options.batchSize);
  const live = status === 'training' || status === 'paused';
  const eta = trainEtaSeconds(run);
  return (
    <div className="live-run" data-testid="live-run">
      <div className="live-stats">
        <Stat label={`epoch of ${run.options.epochs}`} testId="live-epoch">{liveEpoch(run)}</Stat>
        <Stat label={`step of ${stepsPerEpoch * run.options.epochs}`} testId="live-step">{last?.step ?? 0}</Stat>
        <Stat label="train loss">{last ? last.loss.toFixed(3) : '–'}</Stat>
        <Stat label="best dev accuracy" testId="best-dev-accuracy">{best ? pct(best.metrics.accuracy) : '–'}</Stat>
        <Stat label="examples/s">{last ? rate(last.examplesPerSecond) : '–'}</Stat>
        <Stat label={live ? 'training for' : 'trained in'}>{duration(run.timings.train)}</Stat>
        {live && (
          <Stat label="left (estimate)" testId="train-eta">
            {Number.isFinite(eta) ? duration(eta) : 'estimating…'}
          </Stat>
        )}
      </div>
      {summary && (
        <p className="muted small" data-testid="encode-summary">
          {run.dataset.train.toLocaleString()} train + {run.dataset.dev.toLocaleString()} dev texts encoded
          {summary.cached > 0 ? `: ${summary.cached.toLocaleString()} of ${summary.texts.toLocaleString()} from the feature cache` : ` in ${duration(summary.seconds)}`}.
        </p>
      )}
      <SizeHint runId={run.id} kind={run.head} />
      <TrainCharts run={run} />
    </div>
  );
}

export function TrainPanel() {
  const dataset = useDataset();
  const status = useStudio((s) => s.trainStatus);
  const kind = useStudio((s) => s.headKind);
  const form = useStudio((s) => s.trainForm);
  const message = useStudio((s) => s.trainMessage);
  const error = useStudio((s) => s.trainError);
  const encoderReady = useStudio((s) => s.encoderInfo?.hash ?? null);
  const engineReady = useStudio((s) => s.engineStatus === 'passed');
  const lastHead = useStudio((s) => s.run?.head ?? null);
  useEffect(() => {
    onDatasetChanged();
  }, [dataset, encoderReady, engineReady]);
  const running = status === 'encoding' || status === 'training' || status === 'paused';
  const problems = formErrors(form);
  const canTrain = !!dataset && !!encoderReady && engineReady && !running && problems.length === 0;
  return (
    <section className="train-panel" data-testid="train-panel" data-status={status}>
      <h2>
        Train
        <span className={`badge train-status ${status === 'done' ? 'badge-ok' : status === 'error' ? 'badge-bad' : running ? 'badge-accent' : ''}`} data-testid="train-status">
          {status}
        </span>
      </h2>
      <p className="card-sub">
        {dataset
          ? `${dataset.name}: ${dataset.train.examples.length.toLocaleString()} train / ${dataset.dev.examples.length.toLocaleString()} dev examples, ${dataset.train.labels.length} labels${dataset.pair ? ', sentence pairs' : ''}. ${kind === 'finetune' ? 'Fine-tuning trains every encoder weight too.' : headEntry(kind).input === 'token-ids' ? 'The encoder stays frozen; gradients pass through it in WGSL.' : 'The encoder stays frozen; only the head learns.'}`
          : 'Load a dataset in the Data step first — then pick a head and press Train.'}
      </p>
      {dataset && (
        <>
          <HeadPicker disabled={running} />
          <LabelTexts disabled={running} ready={!!encoderReady && engineReady} />
          <Advanced disabled={running} />
          {!running && <RunSizingNote />}
          {problems.length > 0 && <div className="alert alert-warn small">{problems.join(' ')}</div>}
          <div className="row train-actions">
            <button className="btn-primary" data-testid="train-start" disabled={!canTrain} onClick={() => void startTraining()}>
              {(status === 'done' || status === 'error') && lastHead === kind ? 'Train again' : 'Train'} {headInfo(kind).title}
            </button>
            {status === 'training' && (
              <button data-testid="train-pause" onClick={pauseTraining}>
                Pause
              </button>
            )}
            {status === 'paused' && (
              <button className="btn-primary" data-testid="train-resume" onClick={resumeTraining}>
                Resume
              </button>
            )}
            {running && (
              <button className="btn-danger" data-testid="train-stop" onClick={stopTraining}>
                Stop
              </button>
            )}
            <span className="muted small">
              {form.epochs} epochs · batch {form.batchSize} · lr {form.lr}
              {form.maxTrain ? ` · sample of ${form.maxTrain.toLocaleString()}` : ''}
              {!encoderReady && ' · waiting for the encoder'}
              {!engineReady && ' · waiting for WebGPU'}
            </span>
          </div>
          {status === 'paused' && <div className="alert alert-info small">Paused after the current step. Resume continues exactly where it stopped.</div>}
          <EncodeProgressView />
          {error && (
            <div className="alert alert-error" data-testid="train-error">
              {error}
            </div>
          )}
          {message && !error && (
            <div className="alert alert-ok" data-testid="train-message">
              {message}
            </div>
          )}
          <LiveRun />
        </>
      )}
    </section>
  );
}
