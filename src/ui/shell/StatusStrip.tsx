// The status strip, sticky at the top of the studio: WebGPU (adapter, hardware or software fallback, device
// lost in red with the browser's message), the encoder (model, execution provider and why), the feature cache's
// size, and what the studio is busy with. Design decision: it only reads the store; the wording comes from
// status-text.ts, and a device loss outranks every other state so it cannot be missed.
import { useStudio } from '../../store/store';
import { startEngine } from '../../store/workflows';
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
  if (s.trainStatus === 'training') return s.run ? `Training · epoch ${(s.run.evals.at(-1)?.epoch ?? 0) + 1}` : 'Training';
  if (s.trainStatus === 'paused') return 'Training paused';
  if (s.zeroShotBusy) return 'Zero-shot preview';
  if (s.encoderStatus === 'encoding') return 'Encoding';
  if (s.engineStatus === 'starting' || s.engineStatus === 'checking') return 'Checking GPU kernels';
  return null;
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
      <div className="strip-item" data-testid="strip-gpu" data-tone={gpu.tone} title={gpu.detail}>
        <Dot tone={gpu.tone} />
        <span className="strip-key">WebGPU</span>
        <span className="strip-val" data-testid="strip-adapter">{gpu.label}</span>
        <span className="strip-sub">{gpu.detail}</span>
      </div>
      <div className="strip-item" data-testid="strip-encoder" data-tone={encTone} title={info ? epReason(s.epPolicy, s.encoderReport, info) : undefined}>
        <Dot tone={encTone} />
        <span className="strip-key">Encoder</span>
        {info ? (
          <>
            <span className="strip-val" data-testid="strip-model">{info.name}</span>
            <span className="badge badge-accent" data-testid="strip-ep" data-ep={info.ep}>{epLabel(info.ep)}</span>
            <span className="strip-sub">{epReasonShort(s.epPolicy, s.encoderReport)}</span>
          </>
        ) : (
          <span className="strip-val" data-testid="strip-model">
            {s.encoderStatus === 'error' ? 'no model loaded' : 'loading…'}
          </span>
        )}
      </div>
      <div className="strip-item" data-testid="strip-cache">
        <span className="strip-key">Feature cache</span>
        <span className="strip-val" data-testid="strip-cache-size">
          {s.cacheStats ? formatBytes(s.cacheStats.bytes) : '—'}
        </span>
        <span className="strip-sub">
          {s.cacheStats
            ? `${s.cacheStats.entries} ${s.cacheStats.entries === 1 ? 'entry' : 'entries'} of ${formatBytes(s.cacheStats.budgetBytes)}`
            : 'not opened yet'}
        </span>
      </div>
      <div className="strip-item strip-busy" data-testid="strip-busy" data-busy={busy ? 'true' : 'false'}>
        {busy ? <span className="spinner" aria-hidden="true" /> : <Dot tone="ok" />}
        <span className="strip-val">{busy ?? 'Idle'}</span>
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
