// The status strip, sticky at the top of the studio: WebGPU (adapter, hardware or software fallback, device
// lost in red with the browser's message), the encoder (model, execution provider and why), the feature cache's
// size, and what the studio is busy with. Design decision: it only reads the store; the wording comes from
// status-text.ts, and a device loss outranks every other state so it cannot be missed.
import type { ReactNode } from 'react';
import { useStudio } from '../../store/store';
import { startEngine } from '../../store/workflows';
import { liveEpoch } from '../train/format';
import { epLabel, epReason, epReasonShort, formatBytes, gpuSummary, type Tone } from './status-text';

function Dot({ tone }: { tone: Tone }) {
  return <span className={`dot dot-${tone}`} aria-hidden="true" />;
}

/** What the studio is doing now, or null when idle (the first busy thing in this order). */
function useBusy(): string | null {
  const s = useStudio();
  const enc = s.encodeStage;
  if (s.pendingModel) return `Loading ${s.pendingModel.description}`;
  if (s.parseProgress) return `Reading ${s.parseProgress.name}`;
  if (enc) return `Encoding ${enc.set} ${enc.progress.done}/${enc.progress.total}`;
  if (s.trainStatus === 'encoding') return 'Encoding the dataset';
  if (s.trainStatus === 'training') return s.run ? `Training · epoch ${liveEpoch(s.run)} of ${s.run.options.epochs}` : 'Training';
  if (s.trainStatus === 'paused') return 'Training paused';
  if (s.zeroShotBusy) return 'Zero-shot preview';
  if (s.encoderStatus === 'encoding') return 'Encoding';
  if (s.engineStatus === 'starting' || s.engineStatus === 'checking') return 'Checking GPU kernels';
  return null;
}

function Item(props: { testid: string; tone?: Tone; name: string; sub: string; title?: string; children: ReactNode }) {
  return (
    <div className="strip-item" data-testid={props.testid} data-tone={props.tone} title={props.title}>
      <div className="strip-top">
        <span className="strip-key">{props.name}</span>
        {props.sub && <span className="strip-sub">{props.sub}</span>}
      </div>
      <div className="strip-main">
        {props.tone && <Dot tone={props.tone} />}
        {props.children}
      </div>
    </div>
  );
}

export function StatusStrip() {
  const s = useStudio();
  const failed = s.checks.filter((c) => !c.ok).length;
  const gpu = gpuSummary(s.engineStatus, s.adapter, s.deviceLost, s.engineError, { done: s.checks.length, failed });
  const busy = useBusy();
  const info = s.encoderStatus === 'ready' || s.encoderStatus === 'encoding' ? s.encoderInfo : null;
  const encTone: Tone = info ? 'ok' : s.encoderStatus === 'error' ? 'bad' : 'busy';
  return (
    <div className={`status-strip${s.deviceLost ? ' lost' : ''}`} data-testid="status-strip" role="status" aria-label="Studio status">
      <Item testid="strip-gpu" tone={gpu.tone} name="WebGPU" sub={gpu.detail} title={gpu.detail}>
        <span className="strip-val" data-testid="strip-adapter">{gpu.label}</span>
      </Item>
      <Item
        testid="strip-encoder"
        tone={encTone}
        name="Encoder"
        sub={info ? epReasonShort(s.epPolicy, s.encoderReport) : s.pendingModel ? s.pendingModel.stage : ''}
        title={info ? epReason(s.epPolicy, s.encoderReport, info) : undefined}
      >
        <span className="strip-val" data-testid="strip-model">{info ? info.name : s.encoderStatus === 'error' ? 'no model loaded' : 'loading…'}</span>
        {info && <span className="badge badge-accent" data-testid="strip-ep" data-ep={info.ep}>{epLabel(info.ep)}</span>}
      </Item>
      <Item
        testid="strip-cache"
        name="Feature cache"
        sub={s.cacheStats ? `${s.cacheStats.entries} ${s.cacheStats.entries === 1 ? 'entry' : 'entries'} of ${formatBytes(s.cacheStats.budgetBytes)}` : 'not opened yet'}
      >
        <span className="strip-val" data-testid="strip-cache-size">{s.cacheStats ? formatBytes(s.cacheStats.bytes) : '—'}</span>
      </Item>
      <div className="strip-item strip-busy" data-testid="strip-busy" data-busy={busy ? 'true' : 'false'}>
        <div className="strip-top"><span className="strip-key">Activity</span></div>
        <div className="strip-main">
          {busy ? <span className="spinner" aria-hidden="true" /> : <Dot tone="idle" />}
          <span className="strip-val">{busy ?? 'Idle'}</span>
        </div>
      </div>
      {s.deviceLost && (
        <div className="strip-alert" data-testid="strip-device-lost">
          <strong>The GPU device was lost:</strong> {s.deviceLost}. A training run in progress stops; runs in the
          history are kept.
          <button className="btn btn-sm" onClick={() => void startEngine()}>Restart WebGPU</button>
        </div>
      )}
    </div>
  );
}
