// The playground: type a text (two for pair heads), see every label's probability as a bar, and for Y-Tuning
// heads which tokens each label attended to (head-averaged cross-attention of the label decoder's last layer).
import { labelDisplay } from '../train/format';
import { useState } from 'react';
import { wordAttention } from '../../store/attention-view';
import { useStudio } from '../../store/store';
import type { ActiveHeadInfo } from '../../store/active-head';
import type { PlaygroundResult } from '../../store/use-slice';
import { headReadsPairs, predictText } from '../../store/use-workflows';

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

export function Playground({ head }: { head: ActiveHeadInfo }) {
  const busy = useStudio((s) => s.playBusy);
  const result = useStudio((s) => s.playResult);
  const error = useStudio((s) => s.playError);
  const pair = headReadsPairs(head);
  const [text, setText] = useState('');
  const [textPair, setTextPair] = useState('');
  const shown = result && result.headId === head.id ? result : null;
  const submit = () => void predictText(text, pair ? textPair : undefined);
  return (
    <div className="use-card" data-testid="playground">
      <h3>Playground</h3>
      <p className="muted small">Type a text and see what the head makes of it. Ctrl+Enter predicts.</p>
      <form
        className="use-play-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          data-testid="play-text"
          aria-label={pair ? 'First text' : 'Text to classify'}
          placeholder={pair ? 'First text (e.g. a premise or question)' : 'Type or paste a text to classify…'}
          rows={3}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && submit()}
        />
        {pair && (
          <textarea
            data-testid="play-text-pair"
            aria-label="Second text"
            placeholder="Second text (e.g. a hypothesis or answer)"
            rows={2}
            value={textPair}
            onChange={(e) => setTextPair(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && submit()}
          />
        )}
        <div className="row">
          <button type="submit" className="btn btn-primary" data-testid="play-predict" disabled={busy}>
            {busy ? <span className="spinner" aria-hidden /> : null}
            Predict
          </button>
          {shown && <span className="muted small">{Math.round(shown.ms)} ms · encode + head</span>}
        </div>
      </form>
      {error && (
        <div className="alert alert-error" role="alert" data-testid="play-error">
          {error}
        </div>
      )}
      {shown && <Probabilities r={shown} />}
      {shown && <AttentionView r={shown} />}
    </div>
  );
}

function Probabilities({ r }: { r: PlaygroundResult }) {
  const set = r.predictedSet;
  const on = (l: number) => (set ? set.includes(l) : l === r.predicted);
  return (
    <div className="use-probs" data-testid="play-probs" data-text={r.text} data-head-id={r.headId}>
      {set && (
        <p className="small" data-testid="play-predicted-set" data-labels={JSON.stringify(set.map((k) => r.labels[k]))}>
          Predicted labels: <strong>{set.length ? set.map((k) => labelDisplay(r.labels[k], r.labelTexts[k])).join(', ') : 'none (no label reaches its threshold)'}</strong>
        </p>
      )}
      {r.labels.map((label, l) => (
        <div key={label} className={`use-prob ${on(l) ? 'top' : ''}`} data-testid="play-prob" data-label={label} data-p={r.probs[l]} title={r.thresholds ? `threshold ${r.thresholds[l].toFixed(2)}` : undefined}>
          <span className="use-prob-label" title={label}>
            {labelDisplay(label, r.labelTexts[l])}
          </span>
          <span className="use-prob-track">
            <span className="use-prob-fill" style={{ width: `${Math.max(0.5, r.probs[l] * 100)}%` }} />
          </span>
          <span className="use-prob-value">{pct(r.probs[l])}</span>
        </div>
      ))}
    </div>
  );
}

function AttentionView({ r }: { r: PlaygroundResult }) {
  const [pick, setPick] = useState<number | null>(null);
  if (!r.attention) return r.attentionNote ? <p className="muted small use-att-note">{r.attentionNote}</p> : null;
  const l = pick !== null && pick < r.labels.length ? pick : r.predicted;
  // Whole words, each the sum of its subword pieces' weights.
  const words = wordAttention(r.attention.tokens, r.attention.perLabel[l]);
  const max = Math.max(1e-9, ...words.map((x) => x.weight));
  return (
    <div className="use-att" data-testid="play-attention">
      <div className="row between">
        <strong className="small">Words each label attends to</strong>
        <div className="use-chips" role="tablist" aria-label="Label">
          {r.labels.map((name, k) => (
            <button key={name} type="button" role="tab" aria-selected={k === l} className={`btn btn-sm ${k === l ? 'btn-primary' : ''}`} onClick={() => setPick(k)}>
              {labelDisplay(name, r.labelTexts[k])}
            </button>
          ))}
        </div>
      </div>
      <p className="use-tokens" data-testid="play-tokens">
        {words.map(({ text, space, weight, pieces }, t) => {
          const a = weight / max;
          return (
            <span key={t}>
              {space ? ' ' : ''}
              <mark
                className="use-token"
                data-weight={weight.toFixed(4)}
                title={`${pieces.join(' ')}: ${(weight * 100).toFixed(1)}% of "${labelDisplay(r.labels[l], r.labelTexts[l])}"'s attention`}
                style={{ background: `rgba(79, 70, 229, ${(0.06 + 0.74 * a).toFixed(3)})`, color: a > 0.55 ? '#fff' : undefined }}
              >
                {text}
              </mark>
            </span>
          );
        })}
      </p>
      <p className="muted small">
        Mean over attention heads of the label decoder's last layer · {(r.attention.pooled[l] * 100).toFixed(0)}% of "{labelDisplay(r.labels[l], r.labelTexts[l])}"'s attention goes to the
        sentence summary token.
      </p>
    </div>
  );
}
