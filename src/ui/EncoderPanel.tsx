// Encoder details (folded at the bottom of the studio): status, the EP that runs the model and the adapter
// "auto" looked at, load times, feature-cache counters, and a "try it" box that encodes a text in the encoder
// worker and shows its pooled vector (a repeat is served from the feature cache). The EP choice and model loads
// live in the Model step (shell/ModelPanel.tsx).
import { useState } from 'react';
import { tryEncode } from '../store/encoder-workflows';
import { useStudio } from '../store/store';
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from './shell/status-text';

export function EncoderPanel() {
  const s = useStudio(useShallow((x) => ({ cacheStats: x.cacheStats, encoderError: x.encoderError, encoderInfo: x.encoderInfo, encoderNotice: x.encoderNotice, encoderReport: x.encoderReport, encoderStatus: x.encoderStatus, loadProgress: x.loadProgress, tryResult: x.tryResult })));
  const [text, setText] = useState('A gorgeous, witty, seductive movie.');
  const p = s.loadProgress;
  return (
    <div className="encoder" aria-label="Frozen encoder">
      <p>
        Status: <span data-testid="encoder-status" className={`status ${s.encoderStatus}`}>{s.encoderStatus}</span>
      </p>
      {p && s.encoderStatus === 'loading' && (
        <p className="progress" data-testid="load-progress">
          {p.kind === 'download' ? `Downloading ${p.file}: ${formatBytes(p.loaded)}${p.total ? ` of ${formatBytes(p.total)}` : ''}` : p.kind === 'stage' ? `${p.stage}${p.detail ? `: ${p.detail}` : ''}` : ''}
        </p>
      )}
      {s.encoderError && <pre className="error" data-testid="encoder-error">{s.encoderError}</pre>}
      {s.encoderNotice && <p className="notice" data-testid="encoder-notice">{s.encoderNotice}</p>}
      {s.encoderInfo && s.encoderReport && (
        <dl className="adapter" data-testid="encoder-info">
          <dt>Model</dt>
          <dd>
            {s.encoderInfo.name} · {s.encoderInfo.hiddenSize}-d · up to {s.encoderInfo.maxTokens} tokens ·{' '}
            <code title={s.encoderInfo.hash}>{s.encoderInfo.hash.slice(0, 12)}</code>
          </dd>
          <dt>Runs on</dt>
          <dd data-testid="encoder-ep" data-ep={s.encoderInfo.ep}>
            {s.encoderReport.epDescription}
            {s.encoderReport.adapter && ` (adapter: ${s.encoderReport.adapter.description}${s.encoderReport.adapter.isFallbackAdapter ? ', a CPU fallback' : ''})`}
          </dd>
          <dt>Load time</dt>
          <dd>{(s.encoderReport.fetchMs / 1000).toFixed(1)} s fetch + {(s.encoderReport.sessionMs / 1000).toFixed(1)} s session</dd>
          {s.cacheStats && (
            <>
              <dt>Feature cache</dt>
              <dd data-testid="cache-stats">
                {s.cacheStats.entries} {s.cacheStats.entries === 1 ? "entry" : "entries"}, {formatBytes(s.cacheStats.bytes)} · {s.cacheStats.hits} hits, {s.cacheStats.misses} misses
              </dd>
            </>
          )}
        </dl>
      )}
      <form
        className="try"
        onSubmit={(e) => {
          e.preventDefault();
          void tryEncode(text);
        }}
      >
        <input data-testid="try-text" value={text} onChange={(e) => setText(e.target.value)} aria-label="Text to encode" />
        <button type="submit" className="btn btn-primary" data-testid="try-encode" disabled={s.encoderStatus !== 'ready'}>Encode</button>
      </form>
      {s.tryResult && (
        <p data-testid="try-result" data-pooled={JSON.stringify(s.tryResult.pooled)} data-cached={s.tryResult.cached}>
          {s.tryResult.tokens} tokens → {s.tryResult.pooled.length}-d vector [
          {s.tryResult.pooled.slice(0, 4).map((v) => v.toFixed(4)).join(', ')}, …] in {s.tryResult.ms.toFixed(0)} ms
          {s.tryResult.cached ? ' (from the feature cache)' : ''}
        </p>
      )}
    </div>
  );
}
