// Step 1, the frozen encoder: the model in use (name, width, token limit, EP), where to get another one — the
// embedded default, a Hugging Face repository, or dropped/picked files — with per-file progress, and errors that
// say what is wrong with the model. Design decision: the model in use stays usable while another loads (see
// encoder-workflows.ts), so this panel shows both: the current model, and the pending one with its progress.
import { useRef, useState, type DragEvent } from 'react';
import type { EpPolicy } from '../../encoder/types';
import { DEFAULT_MODEL_NAME } from '../../encoder/sources';
import {
  cancelModelLoad,
  loadDefaultModel,
  loadHubRepo,
  loadModelFiles,
  modelChangeBlocked,
  modelErrorTitle,
  setEpPolicy,
} from '../../store/model-workflows';
import { useStudio } from '../../store/store';
import { useShallow } from 'zustand/react/shallow';
import { epLabel, epReason, formatBytes } from './status-text';

function FileProgressRow({ f }: { f: { file: string; loaded: number; total: number | null; fromCache: boolean; done: boolean } }) {
  const pct = f.total ? Math.min(100, (100 * f.loaded) / f.total) : f.done ? 100 : null;
  return (
    <div className="file-progress" data-testid="model-file-progress" data-file={f.file} data-done={f.done}>
      <div className="file-progress-head">
        <span className="mono">{f.file}</span>
        <span className="muted">
          {formatBytes(f.loaded)}
          {f.total ? ` of ${formatBytes(f.total)}` : ''}
          {f.fromCache ? ' · from cache' : ''}
          {f.done ? ' · done' : ''}
        </span>
      </div>
      <div className={`progress-bar${pct === null ? ' indeterminate' : ''}`} role="progressbar" aria-valuenow={pct ?? undefined} aria-valuemin={0} aria-valuemax={100}>
        <span style={{ width: `${pct ?? 100}%` }} />
      </div>
    </div>
  );
}

export function ModelPanel() {
  const s = useStudio(useShallow((x) => ({ encoderInfo: x.encoderInfo, encoderReport: x.encoderReport, encoderStatus: x.encoderStatus, epPolicy: x.epPolicy, modelError: x.modelError, modelSource: x.modelSource, pendingModel: x.pendingModel })));
  const [repo, setRepo] = useState('');
  const [revision, setRevision] = useState('');
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const info = s.encoderInfo && (s.encoderStatus === 'ready' || s.encoderStatus === 'encoding') ? s.encoderInfo : null;
  const pending = s.pendingModel;
  const blocked = modelChangeBlocked();
  const err = s.modelError;

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = Array.from(e.dataTransfer?.files ?? []);
    void loadModelFiles(files);
  };
  const dragOver = (e: DragEvent) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };

  return (
    <section className="card model-panel" aria-label="Model">
      <h2>Model</h2>
      <p className="card-sub">
        The frozen encoder turns each text into token states and a sentence vector, once; only the small label head
        trains on them.
      </p>

      <div className="model-current" data-testid="model-current">
        {info ? (
          <>
            <div className="model-name">
              <span className="model-title" data-testid="model-name">{info.name}</span>
              <span className="badge badge-ok">in use</span>
              <span className="badge badge-accent" data-testid="encoder-ep-badge" data-ep={info.ep}>{epLabel(info.ep)}</span>
            </div>
            <div className="model-facts">
              <span><b>{info.hiddenSize}</b>-d features</span>
              <span>up to <b>{info.maxTokens}</b> tokens</span>
              <span>{info.hasPooledOutput ? 'own sentence embedding' : 'mean-pooled tokens'}</span>
              <span>{info.hasPairInput ? 'native pair input' : 'pairs side by side'}</span>
              <span className="mono" title={info.hash}>#{info.hash.slice(0, 10)}</span>
            </div>
            <div className="muted small">{s.modelSource} · {epReason(s.epPolicy, s.encoderReport, info)}</div>
          </>
        ) : s.encoderStatus === 'error' ? (
          <div className="model-name"><span className="model-title">No model loaded</span><span className="badge badge-bad">error</span></div>
        ) : (
          <div className="model-name"><span className="spinner" aria-hidden="true" /><span className="model-title">Loading the encoder…</span></div>
        )}
        <label className="field field-inline">
          <span>Execution provider</span>
          <select
            data-testid="ep-policy"
            value={pending?.epPolicy ?? s.epPolicy}
            disabled={!!pending || !!blocked}
            onChange={(e) => void setEpPolicy(e.target.value as EpPolicy)}
          >
            <option value="auto">auto — wasm on a CPU adapter, WebGPU on a GPU</option>
            <option value="wasm">wasm (CPU, threaded)</option>
            <option value="webgpu">WebGPU</option>
          </select>
        </label>
      </div>

      {pending && (
        <div className="model-pending" data-testid="model-pending">
          <div className="row between">
            <div>
              <span className="spinner" aria-hidden="true" /> Loading <b>{pending.description}</b>
              <span className="muted"> — {pending.stage}</span>
            </div>
            <button className="btn btn-sm" data-testid="model-cancel" onClick={() => cancelModelLoad()}>Cancel</button>
          </div>
          {pending.files.map((f) => <FileProgressRow key={f.file} f={f} />)}
          {info && <p className="muted small">{info.name} stays in use until the new model is ready.</p>}
        </div>
      )}

      {err && (
        <div className="alert alert-error" data-testid="model-error" data-code={err.code ?? ''} role="alert">
          <strong>{modelErrorTitle(err.code)}</strong>
          <span className="muted"> — {err.source}</span>
          <p>{err.message}</p>
          {info && <p className="small">The studio keeps using <b>{info.name}</b>.</p>}
        </div>
      )}
      {blocked && <p className="notice small">{blocked}</p>}

      <div className="grid-3 model-sources">
        <div className="source-tile">
          <h3>Embedded default</h3>
          <p className="muted small">
            Universal Sentence Encoder lite: 512-d, 128 tokens, 28 MB, English. Ships with the studio, no download.
          </p>
          <button
            className="btn"
            data-testid="load-default"
            disabled={!!blocked || info?.name === DEFAULT_MODEL_NAME}
            onClick={() => void loadDefaultModel()}
          >
            {info?.name === DEFAULT_MODEL_NAME ? 'In use' : `Use ${DEFAULT_MODEL_NAME}`}
          </button>
        </div>

        <form
          className="source-tile"
          onSubmit={(e) => {
            e.preventDefault();
            void loadHubRepo(repo, revision);
          }}
        >
          <h3>Hugging Face</h3>
          <p className="muted small">A repository with a transformers.js ONNX export (onnx/model.onnx and tokenizer.json).</p>
          <input
            data-testid="hub-repo"
            placeholder="Xenova/all-MiniLM-L6-v2"
            value={repo}
            onChange={(e) => setRepo(e.target.value)}
            aria-label="Hugging Face repository id"
          />
          <div className="row">
            <input
              className="grow"
              placeholder="revision (main)"
              value={revision}
              onChange={(e) => setRevision(e.target.value)}
              aria-label="Revision"
            />
            <button className="btn" type="submit" data-testid="load-hub" disabled={!repo.trim() || !!blocked}>Download</button>
          </div>
        </form>

        <div
          className={`source-tile dropzone${over ? ' over' : ''}`}
          data-testid="model-drop"
          onDragEnter={dragOver}
          onDragOver={dragOver}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          <h3>Your model files</h3>
          <p className="muted small">
            Drop <span className="mono">model.onnx</span> + <span className="mono">tokenizer.json</span> (+{' '}
            <span className="mono">config.json</span>) here, or
          </p>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            accept=".onnx,.json"
            data-testid="model-files"
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              void loadModelFiles(files);
            }}
          />
          <button className="btn" type="button" disabled={!!blocked} onClick={() => picker.current?.click()}>Choose files…</button>
        </div>
      </div>
    </section>
  );
}
