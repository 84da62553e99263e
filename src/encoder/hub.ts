// Hugging Face hub as a model source: a repository id (`Xenova/all-MiniLM-L6-v2`) becomes ModelFiles, fetched
// from the hub's usual layout `${hubBase}/${repo}/resolve/${revision}/{onnx/model.onnx, tokenizer.json,
// config.json}` with per-file progress, and kept in a ModelCache (browser Cache Storage / Node disk) keyed by URL.
// Design decision: tokenizer.json is fetched *first* (small, required), so a repository that cannot work fails
// before a large model download starts; every file read back from the cache is validated like a fresh download
// and re-downloaded when it fails, so a damaged cache heals instead of breaking loads.
import { DownloadHttpError, downloadBytes, type FileProgress, type ProgressCallback } from './download';
import type { ModelCache } from './model-cache';
import { checkOnnxBytes, ModelSourceError, parseConfigJson, parseTokenizerJson } from './model-check';
import type { ModelFiles } from './model-files';

export const DEFAULT_HUB_BASE = 'https://huggingface.co';

/** Which ONNX export to load: fp32 `onnx/model.onnx`, `onnx/model_quantized.onnx`, or fp32 falling back to quantized on 404. */
export type HubVariant = 'auto' | 'fp32' | 'quantized';

export interface HubSource {
  /** "owner/name", or a pasted https://huggingface.co/owner/name[/tree/rev] address. */
  repo: string;
  /** Branch, tag or commit; default "main". Pin a commit for reproducible results: "main" is cached as first seen. */
  revision?: string;
  /** Default "auto". */
  variant?: HubVariant;
  /** Default https://huggingface.co (tests point it at a local server). */
  hubBase?: string;
  /** Access token for gated/private repositories (sent as a Bearer header; never stored). */
  token?: string;
}

export interface HubLoadOptions {
  /** Where downloaded files are kept; null = no cache. */
  cache: ModelCache | null;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Ignore cached files (they are replaced by fresh downloads). */
  refresh?: boolean;
  /** Injected for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
}

const ONNX_FP32 = 'onnx/model.onnx';
const ONNX_QUANTIZED = 'onnx/model_quantized.onnx';
// The hub's rules for a repository name part: letters, digits, '-', '_', '.', not starting/ending with '-' or
// '.', no '--' or '..', at most 96 characters in all.
const NAME_PART = /^(?![.-])(?!.*(?:--|\.\.))[A-Za-z0-9._-]+(?<![.-])$/;

/**
 * Normalise and validate a repository id. Accepts "owner/name" and the hub addresses users paste
 * ("https://huggingface.co/owner/name", ".../tree/main"); returns "owner/name" and any revision found in the URL.
 */
export function parseRepoId(input: string): { repo: string; revision?: string } {
  const raw = input.trim();
  let path = raw;
  let revision: string | undefined;
  const url = /^https?:\/\/(?:www\.)?(?:huggingface\.co|hf\.co)\/(.*)$/i.exec(raw);
  if (url) {
    const parts = url[1].split(/[?#]/)[0].split('/').filter(Boolean);
    path = parts.slice(0, 2).join('/');
    if ((parts[2] === 'tree' || parts[2] === 'blob' || parts[2] === 'resolve') && parts[3]) revision = decodeURIComponent(parts[3]);
  }
  const parts = path.split('/');
  const ok = parts.length === 2 && parts.every((p) => NAME_PART.test(p)) && path.length <= 96;
  if (!ok) {
    throw new ModelSourceError(
      'bad-repo-id',
      `"${input}" is not a Hugging Face repository id: expected owner/name (letters, digits, '-', '_', '.'), ` +
        `e.g. Xenova/all-MiniLM-L6-v2.`,
    );
  }
  return { repo: path, revision };
}

/** A branch, tag or commit: '/'-separated parts of letters, digits, '.', '_', '-', none of them '.' or '..'. */
const REVISION_PART = /^[A-Za-z0-9._-]+$/;

/** Throws ModelSourceError 'bad-repo-id' for a revision that could leave the repository's resolve/ path. */
export function checkRevision(revision: string): void {
  const parts = revision.split('/');
  const ok = revision.length <= 255 && parts.every((p) => REVISION_PART.test(p) && p !== '.' && p !== '..');
  if (!ok) {
    const shown = revision.length > 60 ? `${revision.slice(0, 60)}…` : revision;
    throw new ModelSourceError('bad-repo-id', `"${shown}" is not a revision: give a branch, tag or commit (letters, digits, '.', '_', '-', parts separated by '/'; default "main").`);
  }
}

/** `${hubBase}/${repo}/resolve/${revision}/${file}` with the revision URL-encoded (branches may contain '/'). */
export function hubFileUrl(hubBase: string, repo: string, revision: string, file: string): string {
  return `${hubBase.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

type Fetched<T> = { kind: 'ok'; value: T; url: string } | { kind: 'missing'; url: string };

/** Readable advice for an HTTP failure of one hub file. */
function httpMessage(err: DownloadHttpError, repo: string, revision: string, file: string): ModelSourceError {
  if (err.status === 404) {
    return new ModelSourceError(
      'not-found',
      `${file} was not found in ${repo} at revision "${revision}" (404 for ${err.url}). Check the repository id and ` +
        `revision; the repository must hold a transformers.js-style ONNX export (onnx/model.onnx or ` +
        `onnx/model_quantized.onnx) and a tokenizer.json.`,
    );
  }
  if (err.status === 401 || err.status === 403) {
    return new ModelSourceError(
      'unauthorized',
      `${repo} refused access to ${file} (HTTP ${err.status} for ${err.url}): the repository is private or gated, or ` +
        `does not exist. Check the id, accept its terms on the hub page, or supply an access token.`,
    );
  }
  return new ModelSourceError('http', `Downloading ${file} from ${repo} failed: ${err.message}. Try again later.`);
}

/**
 * Load a repository's model files. Resolves to ModelFiles named after the repository ("owner/name", with
 * " (quantized)" when the quantized export was used).
 */
export async function loadHubModel(source: HubSource, opts: HubLoadOptions): Promise<ModelFiles> {
  const parsed = parseRepoId(source.repo);
  const repo = parsed.repo;
  const revision = source.revision ?? parsed.revision ?? 'main';
  if (revision.trim() === '') throw new ModelSourceError('bad-repo-id', `The revision of ${repo} is empty: give a branch, tag or commit (default "main").`);
  checkRevision(revision);
  const hubBase = source.hubBase ?? DEFAULT_HUB_BASE;
  const variant = source.variant ?? 'auto';
  const headers = source.token ? { authorization: `Bearer ${source.token}` } : undefined;

  /**
   * One file, parsed/validated by `parse`: the cache first (an entry that fails `parse` is deleted and fetched
   * again), then the network. A 404 of an optional file is kept as a negative entry and reads as 'missing'.
   */
  const get = async <T>(file: string, parse: (bytes: Uint8Array, where: string) => T, optional: boolean): Promise<Fetched<T>> => {
    const url = hubFileUrl(hubBase, repo, revision, file);
    if (opts.cache && !opts.refresh) {
      const cached = await opts.cache.get(url).catch(() => null); // an unreadable cache is a miss
      if (cached && cached.length === 0 && optional) return { kind: 'missing', url };
      if (cached && cached.length > 0) {
        try {
          const value = parse(cached, `${file} from ${opts.cache.where}`);
          opts.onProgress?.({ file, url, loaded: cached.length, total: cached.length, fromCache: true, done: true });
          return { kind: 'ok', value, url };
        } catch {
          await opts.cache.delete(url).catch(() => {}); // damaged entry: fetch it again below
        }
      }
    }
    let bytes: Uint8Array;
    try {
      bytes = await downloadBytes(url, { file, onProgress: opts.onProgress, signal: opts.signal, headers, fetch: opts.fetch });
    } catch (err) {
      if (err instanceof DownloadHttpError) {
        if (err.status === 404 && optional) {
          await opts.cache?.put(url, new Uint8Array(0)).catch(() => {});
          return { kind: 'missing', url };
        }
        throw httpMessage(err, repo, revision, file);
      }
      throw err;
    }
    const value = parse(bytes, `${file} of ${repo} (${url})`);
    if (opts.cache) {
      try {
        await opts.cache.put(url, bytes);
      } catch (err) {
        // A full disk or a storage quota must not fail the load; the next load downloads again.
        console.warn(`Could not keep ${url} in ${opts.cache.where}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { kind: 'ok', value, url };
  };
  const onnx = (bytes: Uint8Array, where: string) => {
    checkOnnxBytes(bytes, where);
    return bytes;
  };

  const tok = await get('tokenizer.json', parseTokenizerJson, false);
  if (tok.kind !== 'ok') throw new Error('unreachable: tokenizer.json is required');
  const cfg = await get('config.json', parseConfigJson, true);
  const config = cfg.kind === 'ok' ? cfg.value : undefined;

  let model: Fetched<Uint8Array> | null = null;
  let quantized = variant === 'quantized';
  if (variant !== 'quantized') {
    model = await get(ONNX_FP32, onnx, variant === 'auto');
    if (model.kind === 'missing') {
      model = null;
      quantized = true;
    }
  }
  if (!model) {
    try {
      model = await get(ONNX_QUANTIZED, onnx, false);
    } catch (err) {
      if (variant === 'auto' && err instanceof ModelSourceError && err.code === 'not-found') {
        throw new ModelSourceError(
          'not-found',
          `${repo} at revision "${revision}" has no ONNX model: neither ${ONNX_FP32} nor ${ONNX_QUANTIZED} exists ` +
            `(404 for ${hubFileUrl(hubBase, repo, revision, ONNX_QUANTIZED)}). Pick a repository with a transformers.js-style ` +
            `ONNX export (e.g. one from the Xenova/ or onnx-community/ organisations).`,
        );
      }
      throw err;
    }
  }
  if (model.kind !== 'ok') throw new Error('unreachable: the model file is required');
  return { name: quantized ? `${repo} (quantized)` : repo, model: model.value, tokenizerJson: tok.value, config };
}

export type { FileProgress };
