// The studio shell: status strip, then the flow a user follows top to bottom — model, data, train, results, use,
// history — plus the engine self-check. Design decision: components only read the store and call workflows
// (src/store/*-workflows.ts); no logic lives here.
import { useEffect } from 'react';
import { loadEncoder } from '../store/encoder-workflows';
import { startEngine } from '../store/workflows';
import { DataPanel } from './data/DataPanel';
import { EncoderPanel } from './EncoderPanel';
import { EnginePanel } from './EnginePanel';
import { StatusStrip } from './shell/StatusStrip';
import { ModelPanel } from './shell/ModelPanel';
import { ResultsPanel } from './train/ResultsPanel';
import { TrainPanel } from './train/TrainPanel';
import { HistoryPanel } from './use/HistoryPanel';
import { UsePanel } from './use/UsePanel';

export function App() {
  useEffect(() => {
    void startEngine();
    void loadEncoder();
  }, []);
  return (
    <main className="app">
      <header>
        <h1>LabelTune Studio</h1>
        <p className="tagline">
          Adapt a frozen pre-trained text encoder to your classification task by learning label representations — in
          your browser, on your own GPU.
        </p>
      </header>
      <StatusStrip />
      <ModelPanel />
      <DataPanel />
      <TrainPanel />
      <ResultsPanel />
      <UsePanel />
      <HistoryPanel />
      <EncoderPanel />
      <EnginePanel />
    </main>
  );
}
