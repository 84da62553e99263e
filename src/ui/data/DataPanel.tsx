// Step 2, the data: the dataset in use (the SpamAssassin demo at first), where to get another — drop or pick a
// file, paste text, optionally a dev file — the parse progress, what was detected, a preview with the column
// choice, the dev split, label counts and skipped rows.
// Design decision: the panel only reads the data slice and calls data-workflows.ts; a problem shows as a
// banner while the dataset in use stays as it was (the workflows never replace it with an invalid one).
import { useEffect } from 'react';
import { DEMO_SMALL_SAMPLE } from '../../store/data-prep';
import { canRereadTrainFile, ensureDemo, loadTrainFile } from '../../store/data-workflows';
import { useStudio } from '../../store/store';
import { ColumnPicker } from './ColumnPicker';
import { CurrentDataset } from './CurrentDataset';
import { DataProblemBanner } from './DataProblemBanner';
import { DevSplit } from './DevSplit';
import { DropZone } from './DropZone';
import { FileFacts } from './FileFacts';
import { LabelChart } from './LabelChart';
import { LabelReading } from './LabelReading';
import { ParseProgressBar } from './ParseProgressBar';
import { PasteBox } from './PasteBox';
import { PreviewTable } from './PreviewTable';
import { RowReport } from './RowReport';
import './data.css';

export function DataPanel() {
  const dataset = useStudio((s) => s.dataset);
  const origin = useStudio((s) => s.datasetOrigin);
  const demoSize = useStudio((s) => s.demoSize);
  const report = useStudio((s) => s.datasetReport);
  const trainFile = useStudio((s) => s.trainFile);
  const trainOrigin = useStudio((s) => s.trainOrigin);
  const devFile = useStudio((s) => s.devFile);
  const columns = useStudio((s) => s.columns);
  const split = useStudio((s) => s.split);
  const inUse = useStudio((s) => s.draftInUse);
  const progress = useStudio((s) => s.parseProgress);
  const problem = useStudio((s) => s.dataError);

  useEffect(() => {
    void ensureDemo();
  }, []);

  const skipped = report.reduce((n, r) => n + r.count, 0);
  const busy = progress !== null;
  return (
    <section className="data-panel" data-testid="data-panel" aria-labelledby="data-title">
      <div className="dp-head">
        <h2 id="data-title">
          <span className="dp-step">2</span> Data
        </h2>
        <CurrentDataset dataset={dataset} origin={origin} demoSize={demoSize} skipped={skipped} busy={busy} />
      </div>

      <div className="dp-load">
        <DropZone
          testId="drop-train"
          inputTestId="file-input-train"
          title="Drop a training file, or click to browse"
          hint={
            <>
              CSV · TSV · JSON · JSONL · <code>LABEL text</code> lines — read on your machine, never uploaded
            </>
          }
          busy={busy}
          onFile={(f) => void loadTrainFile(f, f.name)}
        />
        <PasteBox />
      </div>

      {progress ? <ParseProgressBar p={progress} /> : null}
      {problem ? <DataProblemBanner problem={problem} kept={dataset?.name ?? null} /> : null}

      {trainFile ? (
        <div className="dp-draft" data-testid="data-draft" data-file={trainFile.name}>
          <div className="dp-draft-head">
            <h3>
              <span className="dp-mono">{trainFile.name}</span>
              {trainOrigin === 'demo' ? <span className="dp-muted"> · the demo corpus</span> : null}
              <span className={`dp-use${inUse ? ' on' : ''}`} data-testid="draft-in-use" data-in-use={String(inUse)}>
                {inUse ? 'in use' : 'not in use'}
              </span>
            </h3>
            <FileFacts file={trainFile} rereadable={trainOrigin !== 'demo' && canRereadTrainFile()} />
          </div>
          {columns ? <ColumnPicker columns={trainFile.table.columns} choice={columns} /> : null}
          {columns ? <LabelReading columns={trainFile.table.columns} choice={columns} dataset={inUse ? dataset : null} /> : null}
          <PreviewTable table={trainFile.table} choice={columns} />
        </div>
      ) : null}

      <div className="dp-bottom">
        <DevSplit
          split={split}
          note={trainOrigin === 'demo' && demoSize === 'small' ? `of a stratified, seeded ${DEMO_SMALL_SAMPLE}-message sample of the corpus (quick on a CPU)` : null}
          devFile={devFile}
          busy={busy}
        />
        <div className="dp-labels">
          <h3>
            Labels{dataset ? <span className="dp-muted"> · {dataset.name}</span> : null}
          </h3>
          {dataset ? <LabelChart dataset={dataset} /> : <div className="dp-muted">Label counts appear here once a dataset is loaded.</div>}
          <RowReport reports={report} />
        </div>
      </div>
    </section>
  );
}
