// The studio shell: what LabelTune Studio is, what is coming, and the engine panel (adapter + kernel checks).
import { useEffect } from 'react';
import { loadEncoder } from '../store/encoder-workflows';
import { startEngine } from '../store/workflows';
import { EncoderPanel } from './EncoderPanel';
import { EnginePanel } from './EnginePanel';

const ROADMAP = [
  ['Your encoder', 'Any BERT-family ONNX export from the Hugging Face hub or your disk, next to the embedded USE-lite.'],
  ['Label-representation heads', "Y-Tuning's label decoder, L-Tuning's prefix and prompt variants, a linear probe and zero-shot — trained by our WGSL kernels."],
  ['Live training', 'Loss and accuracy charted while the head trains, with early stopping on a dev split.'],
  ['Your data', 'Drop a CSV, TSV, JSON or JSONL file, pick the text and label columns, inspect errors, export the trained head.'],
];

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
      <EnginePanel />
      <EncoderPanel />
      <section className="roadmap" aria-label="What is coming">
        <h2>What is coming</h2>
        <ul>
          {ROADMAP.map(([title, text]) => (
            <li key={title}>
              <strong>{title}.</strong> {text}
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
