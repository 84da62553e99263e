// The Train card's note on the default demo run sized to the adapter before its first run (store/default-sizing.ts):
// what was measured, what the run now is and how long it should take, and a one-click undo to the full size.
// Design decision: a thin view of the train slice's `runSizing`; hidden once a run has started.
import { useStudio } from '../../store/store';
import { applyProposedSize, restoreFullSize } from '../../store/default-sizing';
import { duration } from './format';

export function RunSizingNote() {
  const v = useStudio((s) => s.runSizing);
  const running = useStudio((s) => s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused');
  const cpu = useStudio((s) => s.adapter?.isFallbackAdapter ?? false);
  if (!v) return null;
  if (v.status === 'failed')
    return (
      <p className="muted small" data-testid="run-sizing" data-state="failed">
        Could not time a training step before the first run ({v.message}); the run measures its own steps when it starts.
      </p>
    );
  if (v.status === 'measuring')
    return (
      <p className="muted small" data-testid="run-sizing" data-state="measuring">
        Timing a training step on this adapter to size the first run…
      </p>
    );
  const measured = `a step of ${v.B} × ${v.T} tokens takes ${duration(v.stepSeconds!)}${cpu ? ' on this CPU adapter' : ''}, encoding ${duration(v.encodeSecondsPerText! * 1000)} per 1,000 texts`;
  if (v.status === 'fits')
    return (
      <p className="muted small" data-testid="run-sizing" data-state="fits">
        Measured on this adapter: {measured}; the full run trains in about a minute or less.
      </p>
    );
  const p = v.proposal!;
  const size = `${p.maxTrain ? `a sample of ${p.maxTrain.toLocaleString()} training examples` : 'all training examples'}${p.maxDev ? ` and ${p.maxDev.toLocaleString()} dev examples` : ''}, ${p.epochs} epochs, ${v.tmax} tokens per text`;
  return (
    <div className="alert small" data-testid="run-sizing" data-state={v.status}>
      {v.status === 'applied' && (
        <>
          <b>Sized for this adapter:</b> {size} — about {duration(p.seconds)} to encode and train (measured: {measured}). The full
          demo would take about {duration(p.fullSeconds)}.{' '}
          <button className="btn-ghost btn-sm" data-testid="run-sizing-undo" disabled={running} onClick={restoreFullSize}>
            Use the full size
          </button>
        </>
      )}
      {(v.status === 'undone' || v.status === 'offered') && (
        <>
          The full run takes about {duration(p.fullSeconds)} here ({measured}); {size} takes about {duration(p.seconds)}.{' '}
          <button className="btn-ghost btn-sm" data-testid="run-sizing-apply" disabled={running} onClick={applyProposedSize}>
            Use the one-minute size
          </button>
        </>
      )}
    </div>
  );
}
