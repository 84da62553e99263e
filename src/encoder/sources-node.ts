// Node's model sources (CLI, tests, benchmarks): the embedded default read from public/models/use-lite/ on
// disk, local paths (a model .onnx, or a model folder in the hub layout), local Blobs, and hub repositories
// cached on disk ($LABELTUNE_MODEL_DIR or ~/.cache/labeltune/models). Design decision: everything but file
// access is shared with the browser's sources.ts (same checks, same messages); this module only adds node:fs,
// so it is never bundled for the browser.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProgressCallback } from './download';
import { loadHubModel, type HubSource } from './hub';
import type { ModelCache } from './model-cache';
import { diskModelCache } from './model-cache-node';
import { ModelSourceError } from './model-check';
import type { ModelFiles } from './model-files';
import { assembleModelFiles, DEFAULT_MODEL_NAME, GENERATE_HINT, loadLocalFiles, type LocalFilesSource } from './sources';

/** Local paths: `model` is a .onnx file or a folder holding one (model.onnx, onnx/model.onnx, ...). */
export interface LocalPathsSource {
  kind: 'paths';
  model: string;
  /** Default: tokenizer.json next to the model, or in the folder above an onnx/ folder. */
  tokenizer?: string;
  /** Default: config.json found the same way (optional). */
  config?: string;
  name?: string;
}

export type NodeModelSource = { kind: 'default' } | LocalFilesSource | LocalPathsSource | ({ kind: 'hub' } & HubSource);

export interface NodeSourceOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Cache for hub downloads; default diskModelCache() ($LABELTUNE_MODEL_DIR or ~/.cache/labeltune/models). null disables. */
  cache?: ModelCache | null;
  refresh?: boolean;
  /** Folder of the embedded default; default <repo>/public/models/use-lite. */
  defaultModelDir?: string;
  fetch?: typeof fetch;
}

/** <repo root>/public/models/use-lite, resolved from this file's location. */
export function defaultModelDirOnDisk(): string {
  return fileURLToPath(new URL(`../../public/models/${DEFAULT_MODEL_NAME}/`, import.meta.url));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readLocal(path: string, file: string, onProgress?: ProgressCallback): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelSourceError('missing-file', `${file} not found: ${path} does not exist.`);
    if (code === 'EISDIR') throw new ModelSourceError('missing-file', `${path} is a folder; expected the ${file} file.`);
    throw new ModelSourceError('missing-file', `Could not read ${path} (${code ?? (err as Error).message}).`);
  }
  onProgress?.({ file, url: path, loaded: bytes.length, total: bytes.length, fromCache: false, done: true });
  return bytes;
}

/** Read the embedded default model from disk; a clear 'not-generated' error when it is missing. */
export async function loadDefaultModelFromDisk(opts: NodeSourceOptions = {}): Promise<ModelFiles> {
  const dir = opts.defaultModelDir ?? defaultModelDirOnDisk();
  for (const f of ['model.onnx', 'tokenizer.json']) {
    if (!(await exists(join(dir, f)))) throw new ModelSourceError('not-generated', `${join(dir, f)} does not exist. ${GENERATE_HINT}`);
  }
  const tokenizer = await readLocal(join(dir, 'tokenizer.json'), 'tokenizer.json', opts.onProgress);
  const configPath = join(dir, 'config.json');
  const config = (await exists(configPath)) ? await readLocal(configPath, 'config.json', opts.onProgress) : undefined;
  const model = await readLocal(join(dir, 'model.onnx'), 'model.onnx', opts.onProgress);
  return assembleModelFiles(DEFAULT_MODEL_NAME, { model, tokenizer, config }, { model: join(dir, 'model.onnx'), tokenizer: join(dir, 'tokenizer.json'), config: configPath });
}

/** Find the model file in a folder: model.onnx, onnx/model.onnx, onnx/model_quantized.onnx, or its only *.onnx. */
async function findModelInFolder(dir: string): Promise<string> {
  for (const rel of ['model.onnx', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
    if (await exists(join(dir, rel))) return join(dir, rel);
  }
  const onnx = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.onnx'));
  if (onnx.length === 1) return join(dir, onnx[0]);
  throw new ModelSourceError(
    'missing-file',
    onnx.length === 0
      ? `No model in ${dir}: expected model.onnx or onnx/model.onnx there.`
      : `Several models in ${dir} (${onnx.join(', ')}): give the path of the one to load.`,
  );
}

/** A file next to the model, or one folder up when the model sits in an onnx/ folder (the hub layout). */
async function findBeside(modelPath: string, file: string): Promise<string | undefined> {
  const here = dirname(modelPath);
  const candidates = [join(here, file)];
  if (basename(here) === 'onnx') candidates.push(join(dirname(here), file));
  for (const c of candidates) if (await exists(c)) return c;
  return undefined;
}

/** "model.onnx" in <dir>/ or <dir>/onnx/ is named after <dir>; any other file after itself, without ".onnx". */
function modelNameFromPath(modelPath: string): string {
  const file = basename(modelPath);
  if (!/^model(_quantized)?\.onnx$/i.test(file)) return file.replace(/\.onnx$/i, '');
  const dir = dirname(modelPath);
  return basename(basename(dir) === 'onnx' ? dirname(dir) : dir);
}

/** Load local paths (see LocalPathsSource for the defaults). */
export async function loadLocalPaths(source: LocalPathsSource, opts: NodeSourceOptions = {}): Promise<ModelFiles> {
  const given = resolve(source.model);
  if (!(await exists(given))) throw new ModelSourceError('missing-file', `Model not found: ${given} does not exist.`);
  const modelPath = (await stat(given)).isDirectory() ? await findModelInFolder(given) : given;
  const tokenizerPath = source.tokenizer ? resolve(source.tokenizer) : await findBeside(modelPath, 'tokenizer.json');
  if (!tokenizerPath) {
    throw new ModelSourceError(
      'missing-file',
      `No tokenizer.json for ${modelPath}: put the model's tokenizer.json next to it (or next to its onnx/ folder), or give its path.`,
    );
  }
  const configPath = source.config ? resolve(source.config) : await findBeside(modelPath, 'config.json');
  const tokenizer = await readLocal(tokenizerPath, 'tokenizer.json', opts.onProgress);
  const config = configPath ? await readLocal(configPath, 'config.json', opts.onProgress) : undefined;
  const model = await readLocal(modelPath, 'model.onnx', opts.onProgress);
  const name = source.name ?? modelNameFromPath(modelPath);
  return assembleModelFiles(name, { model, tokenizer, config }, { model: modelPath, tokenizer: tokenizerPath, config: configPath });
}

/** Any source -> ModelFiles in Node. Hub downloads are kept in the disk cache unless `cache` says otherwise. */
export async function loadModelSourceNode(source: NodeModelSource, opts: NodeSourceOptions = {}): Promise<ModelFiles> {
  switch (source.kind) {
    case 'default':
      return loadDefaultModelFromDisk(opts);
    case 'paths':
      return loadLocalPaths(source, opts);
    case 'files':
      return loadLocalFiles(source, opts);
    case 'hub':
      return loadHubModel(source, {
        cache: opts.cache === undefined ? diskModelCache() : opts.cache,
        onProgress: opts.onProgress,
        signal: opts.signal,
        refresh: opts.refresh,
        fetch: opts.fetch,
      });
    default:
      throw new ModelSourceError('missing-file', `Unknown model source kind "${(source as { kind?: unknown }).kind}": use default, paths, files or hub.`);
  }
}
