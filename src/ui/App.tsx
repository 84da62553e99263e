// The studio shell: a header with the step list, the sticky status strip, then the flow a user follows top to
// bottom — model, data, train, results, use, history, label (active labelling) — and, folded at the bottom, the encoder and engine
// details. Design decision: components only read the store and call workflows (src/store/*-workflows.ts); each
// step is wrapped here in an anchored, numbered slot so the panels themselves stay free of layout.
import { useEffect, useMemo, type CSSProperties, type ReactNode } from 'react';
import { watchDefaultSizing } from '../store/default-sizing';
import { loadEncoder } from '../store/encoder-workflows';
import { watchCacheStats } from '../store/model-workflows';
import { useStudio } from '../store/store';
import { startEngine } from '../store/workflows';
import { DataPanel } from './data/DataPanel';
import { EncoderPanel } from './EncoderPanel';
import { EnginePanel } from './EnginePanel';
import { ModelPanel } from './shell/ModelPanel';
import { StatusStrip } from './shell/StatusStrip';
import { ResultsPanel } from './train/ResultsPanel';
import { TrainPanel } from './train/TrainPanel';
import { HistoryPanel } from './use/HistoryPanel';
import { LabelPanel } from './label/LabelPanel';
import { UsePanel } from './use/UsePanel';

const STEPS = [
  { id: 'model', title: 'Model' },
  { id: 'data', title: 'Data' },
  { id: 'train', title: 'Train' },
  { id: 'results', title: 'Results' },
  { id: 'use', title: 'Use' },
  { id: 'history', title: 'History' },
  { id: 'label', title: 'Label' },
] as const;

type StepId = (typeof STEPS)[number]['id'];

/** Which steps are done, from what the store holds. */
function useDoneSteps(): Set<StepId> {
  // A string selector: the shell (and with it every panel) re-renders only when the done steps change, not at
  // every store update (a training run republishes its record four times a second).
  const key = useStudio((s) => {
    const done: StepId[] = [];
    if (s.encoderStatus === 'ready' || s.encoderStatus === 'encoding') done.push('model');
    if (s.dataset) done.push('data');
    if (s.trainStatus === 'done') done.push('train');
    if (s.results) done.push('results');
    if (s.activeHead) done.push('use');
    if (s.labelSession && s.labelCurrent === null && s.labelStatus === 'ready') done.push('label');
    return done.join(' ');
  });
  return new Set(key.split(' ').filter(Boolean) as StepId[]);
}

function Step({ id, n, children }: { id: StepId; n: number; children: ReactNode }) {
  return (
    <div className="flow-step" id={`step-${id}`} data-step={n} style={{ '--step': `"${n}"` } as CSSProperties}>
      {children}
    </div>
  );
}

export function App() {
  useEffect(() => {
    void startEngine();
    void loadEncoder();
    const stopSizing = watchDefaultSizing();
    const stopCache = watchCacheStats();
    return () => {
      stopSizing();
      stopCache();
    };
  }, []);
  const done = useDoneSteps();
  // The panels read the store themselves: the same elements each render, so a change of the done steps
  // re-renders the header only (not the data preview, its label chart or the history).
  const flow = useMemo(
    () => (
      <div className="flow">
        <Step id="model" n={1}><ModelPanel /></Step>
        <Step id="data" n={2}><DataPanel /></Step>
        <Step id="train" n={3}><TrainPanel /></Step>
        <Step id="results" n={4}><ResultsPanel /></Step>
        <Step id="use" n={5}><UsePanel /></Step>
        <Step id="history" n={6}><HistoryPanel /></Step>
        <Step id="label" n={7}><LabelPanel /></Step>
      </div>
    ),
    [],
  );
  return (
    <>
      <header className="app-header">
        <div className="app-header-inner">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">◆</span>
            <div>
              <h1>LabelTune Studio</h1>
              <p className="tagline">
                Adapt a frozen pre-trained text encoder to your classification task by learning label representations —
                in your browser, on your own GPU.
              </p>
            </div>
          </div>
          <nav className="stepper" aria-label="Steps">
            {STEPS.map((st, i) => (
              <a key={st.id} href={`#step-${st.id}`} className={done.has(st.id) ? 'done' : ''}>
                <span className="stepper-n">{done.has(st.id) ? '✓' : i + 1}</span>
                {st.title}
              </a>
            ))}
          </nav>
        </div>
      </header>
      <StatusStrip />
      <main className="app">
        {flow}
        <div className="details-group">
          <details className="card details" data-testid="encoder-details">
            <summary>Encoder details <span className="muted">— status, EP, load times, feature cache, try a text</span></summary>
            <EncoderPanel />
          </details>
          <details className="card details" data-testid="engine-details">
            <summary>Engine self-check <span className="muted">— the WebGPU adapter and every kernel against its float64 reference</span></summary>
            <EnginePanel />
          </details>
        </div>
        <footer className="app-footer muted small">
          LabelTune Studio · Y-Tuning (Liu et al., 2022) and L-Tuning (Kowsher et al., 2024) heads, trained with WGSL on
          WebGPU · your data never leaves this page.
        </footer>
      </main>
    </>
  );
}
