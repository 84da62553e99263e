// Model workflows: what the Model panel asks for — the embedded default, a Hugging Face repository id, dropped or
// picked model files, another EP policy — turned into loadEncoder(source) calls, plus the feature-cache watch the
// status strip reads. Design decision: everything that can be checked on the main thread (which dropped file is
// the model, the tokenizer and the config; whether a repository id is well-formed; whether a training run would
// be cut off) is checked *before* a worker starts, and fails as a ModelLoadError in the store like any other load.
import { parseRepoId } from '../encoder/hub';
import { ModelSourceError } from '../encoder/model-check';
import { classifyLocalFiles, describeSource, type ModelSource } from '../encoder/sources';
import type { EpPolicy } from '../encoder/types';
import { cancelModelLoad, getCurrentSource, loadEncoder, syncCacheStats } from './encoder-workflows';
import { useStudio } from './store';

export { cancelModelLoad };

/** Headline for each ModelSourceError code, shown above the error's own message. */
export const MODEL_ERROR_TITLES: Record<string, string> = {
  'not-onnx': 'That file is not an ONNX model',
  'bad-json': 'tokenizer.json or config.json is not valid',
  'missing-file': 'A model file is missing',
  'not-generated': 'The embedded default model has not been generated',
  'bad-repo-id': 'Not a Hugging Face repository id',
  'not-found': 'Not found on the Hugging Face hub',
  unauthorized: 'The repository refused access',
  http: 'The download failed',
  network: 'The server could not be reached',
};

export function modelErrorTitle(code: string | null): string {
  return (code && MODEL_ERROR_TITLES[code]) || 'The model could not be loaded';
}

/** Why the model cannot be changed right now (a training run is encoding or training with it), or null. */
export function modelChangeBlocked(): string | null {
  const train = useStudio.getState().trainStatus;
  if (train === 'encoding' || train === 'training' || train === 'paused') {
    return 'A training run is using the encoder: stop it before changing the model.';
  }
  return null;
}

function fail(source: string, err: unknown): void {
  useStudio.getState().setEncoder({
    modelError: {
      code: err instanceof ModelSourceError ? err.code : null,
      source,
      message: err instanceof Error ? err.message : String(err),
    },
  });
}

function guarded(source: ModelSource, policy?: EpPolicy): Promise<void> {
  const blocked = modelChangeBlocked();
  if (blocked) {
    fail(describeSource(source), new Error(blocked));
    return Promise.resolve();
  }
  return loadEncoder(source, policy);
}

/** Load the embedded default encoder (USE-lite). */
export function loadDefaultModel(): Promise<void> {
  return guarded({ kind: 'default' });
}

/** Load a Hugging Face repository ("owner/name" or a pasted hub address), optionally at a revision. */
export function loadHubRepo(input: string, revision?: string): Promise<void> {
  let parsed: { repo: string; revision?: string };
  try {
    parsed = parseRepoId(input);
  } catch (err) {
    fail(`"${input}" (Hugging Face)`, err);
    return Promise.resolve();
  }
  const rev = revision?.trim() || parsed.revision;
  return guarded({ kind: 'hub', repo: parsed.repo, ...(rev ? { revision: rev } : {}) });
}

/** A readable name for dropped files: the .onnx file's name, or for a generic "model.onnx" the config's model. */
async function nameOf(model: File, config: Blob | undefined): Promise<string> {
  const base = model.name.split(/[\\/]/).pop()!.replace(/\.onnx$/i, '');
  if (!/^model(_quantized|_fp16|_int8|_q4)?$/i.test(base)) return base;
  if (!config) return model.name;
  try {
    const cfg = JSON.parse(await config.text()) as { _name_or_path?: unknown; model_type?: unknown; hidden_size?: unknown };
    if (typeof cfg._name_or_path === 'string' && cfg._name_or_path) return cfg._name_or_path;
    if (typeof cfg.model_type === 'string') return `${cfg.model_type}${typeof cfg.hidden_size === 'number' ? `-${cfg.hidden_size}` : ''} (${model.name})`;
  } catch {
    // config.json is validated (with a precise message) when the model loads.
  }
  return model.name;
}

/** Load dropped or picked files: one .onnx, its tokenizer.json and optionally config.json. */
export async function loadModelFiles(files: readonly File[]): Promise<void> {
  let source;
  try {
    source = classifyLocalFiles(files);
  } catch (err) {
    fail(`${files.map((f) => f.name).join(', ') || 'no files'} (dropped files)`, err);
    return;
  }
  source.name = await nameOf(source.model as File, source.config);
  return guarded(source);
}

/** Reload the model in use (or the default) with another execution-provider policy. */
export function setEpPolicy(policy: EpPolicy): Promise<void> {
  return guarded(getCurrentSource() ?? { kind: 'default' }, policy);
}

/** Keep the store's feature-cache numbers in step with encodes made anywhere (training, prediction). */
export function watchCacheStats(intervalMs = 1000): () => void {
  const id = setInterval(syncCacheStats, intervalMs);
  return () => clearInterval(id);
}
