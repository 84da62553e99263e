// Stream one URL (or a Blob) into bytes with progress callbacks, for model files of tens to hundreds of MiB.
// Design decision: HTTP failures become a DownloadHttpError carrying the status and URL, and network failures a
// ModelSourceError('network') naming the URL; callers (hub, embedded default) turn statuses into advice that fits
// their source. When Content-Length is known the bytes land in one preallocated buffer (no 2x copy at the end);
// progress is throttled to one event per PROGRESS_INTERVAL_MS plus a first and a last one.
import { ModelSourceError } from './model-check';

/** Progress of one file of a model source. */
export interface FileProgress {
  /** The file's role/name within the source: "onnx/model.onnx", "tokenizer.json", "config.json". */
  file: string;
  /** Where it comes from: a URL, a path, or the File's name. */
  url: string;
  /** Bytes received so far. */
  loaded: number;
  /** Total bytes; null when the server sent no Content-Length. */
  total: number | null;
  /** True when served from the model cache (no network). */
  fromCache: boolean;
  /** True on the last event of this file. */
  done: boolean;
}

export type ProgressCallback = (p: FileProgress) => void;

export class DownloadHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''} for ${url}`);
    this.name = 'DownloadHttpError';
  }
}

export const PROGRESS_INTERVAL_MS = 100;

export interface DownloadOptions {
  /** Role of the file in progress events. */
  file: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Injected for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'AbortError';
}

/** GET `url` and return its body. Throws DownloadHttpError on a non-2xx status. */
export async function downloadBytes(url: string, opts: DownloadOptions): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, { signal: opts.signal, headers: opts.headers });
  } catch (err) {
    if (isAbort(err)) throw err;
    const cause = (err as { cause?: { message?: string; code?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    throw new ModelSourceError('network', `Could not reach ${url} (${detail}): check the network connection and the address.`);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new DownloadHttpError(res.status, url, res.statusText);
  }
  const header = res.headers.get('content-length');
  // A compressed response's Content-Length counts compressed bytes, not what the body stream yields.
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = header !== null && /^\d+$/.test(header) && !encoded ? Number(header) : null;
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    opts.onProgress?.({ file: opts.file, url, loaded: bytes.length, total: bytes.length, fromCache: false, done: true });
    return bytes;
  }
  try {
    return await readStream(res.body, total, url, opts);
  } catch (err) {
    if (isAbort(err) || err instanceof ModelSourceError) throw err;
    throw new ModelSourceError('network', `The download of ${url} broke off (${err instanceof Error ? err.message : String(err)}): try again.`);
  }
}

/** Read a Blob/File with the same progress events (large local models are read in chunks too). */
export async function readBlob(blob: Blob, where: string, opts: Omit<DownloadOptions, 'fetch' | 'headers'>): Promise<Uint8Array> {
  return readStream(blob.stream(), blob.size, where, opts);
}

async function readStream(
  stream: ReadableStream<Uint8Array>,
  total: number | null,
  url: string,
  opts: Pick<DownloadOptions, 'file' | 'onProgress' | 'signal'>,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let buf = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  let lastEmit = 0;
  const emit = (done: boolean) => {
    lastEmit = Date.now();
    opts.onProgress?.({ file: opts.file, url, loaded, total: done ? (total ?? loaded) : total, fromCache: false, done });
  };
  try {
    emit(false);
    for (;;) {
      opts.signal?.throwIfAborted();
      const { done, value } = await reader.read();
      opts.signal?.throwIfAborted();
      if (done) break;
      if (loaded + value.length > buf.length) {
        // Unknown length (or a server that sent more than it announced): grow geometrically.
        const grown = new Uint8Array(Math.max(buf.length * 2, loaded + value.length));
        grown.set(buf.subarray(0, loaded));
        buf = grown;
      }
      buf.set(value, loaded);
      loaded += value.length;
      if (Date.now() - lastEmit >= PROGRESS_INTERVAL_MS) emit(false);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
  if (total !== null && loaded < total) {
    throw new ModelSourceError('network', `The download of ${url} ended after ${loaded} of ${total} bytes: try again.`);
  }
  emit(true);
  return loaded === buf.length ? buf : buf.slice(0, loaded);
}
