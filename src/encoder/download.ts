// Stream one URL (or a Blob) into bytes with progress callbacks, for model files of tens to hundreds of MiB.
// Design decision: HTTP failures become a DownloadHttpError carrying the status and URL, and network failures a
// ModelSourceError('network') naming the URL; callers (hub, embedded default) turn statuses into advice that fits
// their source. When Content-Length is known the bytes land in one preallocated buffer (no 2x copy at the end);
// progress is throttled to one event per PROGRESS_INTERVAL_MS plus a first and a last one. Sizes from the network
// are not trusted: each file has a limit by what it can be (MAX_FILE_BYTES: an ONNX protobuf is < 2 GiB), checked
// against Content-Length before allocating and against the bytes received when the length is unknown.
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

const MIB = 2 ** 20;

/** The most bytes each model-source file can be, by its base name (an ONNX protobuf is limited to 2 GiB). */
export const MAX_FILE_BYTES: Readonly<Record<string, number>> = {
  'model.onnx': 2 * 1024 * MIB,
  'model_quantized.onnx': 2 * 1024 * MIB,
  'tokenizer.json': 128 * MIB,
  'config.json': MIB,
};

/** The limit for a file role ("onnx/model.onnx" -> model.onnx's; any other .onnx 2 GiB; anything else 128 MiB). */
export function maxBytesFor(file: string): number {
  const base = file.split('/').pop()!;
  if (Object.hasOwn(MAX_FILE_BYTES, base)) return MAX_FILE_BYTES[base];
  return base.endsWith('.onnx') ? 2 * 1024 * MIB : 128 * MIB;
}

function fmtBytes(n: number): string {
  return n >= MIB ? `${(n / MIB).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MiB` : `${n} bytes`;
}

export interface DownloadOptions {
  /** Role of the file in progress events. */
  file: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Injected for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Refuse the file beyond this many bytes; default maxBytesFor(file). */
  maxBytes?: number;
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
  opts: Pick<DownloadOptions, 'file' | 'onProgress' | 'signal' | 'maxBytes'>,
): Promise<Uint8Array> {
  const max = opts.maxBytes ?? maxBytesFor(opts.file);
  const what = opts.file.split('/').pop();
  if (total !== null && total > max) {
    await stream.cancel().catch(() => {});
    throw new ModelSourceError('too-large', `${url} announces ${fmtBytes(total)}, more than a ${what} can be (at most ${fmtBytes(max)}): not loaded.`);
  }
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let buf = new Uint8Array(total ?? Math.min(1 << 20, max));
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
      if (loaded + value.length > max) {
        await reader.cancel().catch(() => {});
        throw new ModelSourceError('too-large', `${url} sent more than ${fmtBytes(max)}, more than a ${what} can be (at most ${fmtBytes(max)}): not loaded.`);
      }
      if (loaded + value.length > buf.length) {
        // Unknown length (or a server that sent more than it announced): grow geometrically, up to the limit.
        const grown = new Uint8Array(Math.min(max, Math.max(buf.length * 2, loaded + value.length)));
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
