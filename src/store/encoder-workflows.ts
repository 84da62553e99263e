// Encoder workflows: load a model into the encoder worker and encode texts, publishing progress and results to
// the store. Design decision: one EncoderClient (one worker) for the page; loading a new model or EP policy
// replaces the model in that worker, and every failure lands in the store as a specific message.
import type { ModelSource } from '../encoder/sources';
import type { EpPolicy } from '../encoder/types';
import { EncoderClient } from '../worker/encoder-client';
import { useStudio } from './store';

let client: EncoderClient | null = null;
let loading: Promise<void> | null = null;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The page's encoder worker client (null until the first load starts). */
export function getEncoderClient(): EncoderClient | null {
  return client;
}

/** Load a model (default: the embedded USE-lite) with an EP policy; concurrent calls share one load. */
export function loadEncoder(source: ModelSource = { kind: 'default' }, epPolicy?: EpPolicy): Promise<void> {
  loading ??= doLoad(source, epPolicy).finally(() => {
    loading = null;
  });
  return loading;
}

async function doLoad(source: ModelSource, epPolicy?: EpPolicy): Promise<void> {
  const { setEncoder } = useStudio.getState();
  const policy = epPolicy ?? useStudio.getState().epPolicy;
  setEncoder({ encoderStatus: 'loading', epPolicy: policy, encoderError: null, encoderNotice: null, loadProgress: null, tryResult: null });
  try {
    client ??= new EncoderClient();
    const { info, ...report } = await client.load(source, {
      epPolicy: policy,
      onProgress: (p) => setEncoder({ loadProgress: p }),
    });
    setEncoder({ encoderStatus: 'ready', encoderInfo: info, encoderReport: report, loadProgress: null });
  } catch (err) {
    setEncoder({ encoderStatus: 'error', encoderError: message(err), encoderInfo: null, encoderReport: null });
  }
}

/** Encode one text (or pair) and show its pooled vector; the feature cache makes a repeat a cache hit. */
export async function tryEncode(text: string, textPair?: string): Promise<void> {
  const { setEncoder } = useStudio.getState();
  if (!client || useStudio.getState().encoderStatus !== 'ready') {
    setEncoder({ encoderError: 'The encoder is not loaded yet: wait for it to be ready, or load a model.' });
    return;
  }
  setEncoder({ encoderStatus: 'encoding', encoderError: null, encoderNotice: null });
  const t0 = performance.now();
  try {
    let cached = false;
    const [ex] = await client.encode([textPair === undefined ? { text } : { text, textPair }], {
      onProgress: (p) => {
        cached = p.cached > 0;
        setEncoder({ encodeProgress: p });
      },
      onNotice: (p) => {
        if (p.kind === 'warning') setEncoder({ encoderNotice: p.message });
      },
    });
    setEncoder({
      encoderStatus: 'ready',
      cacheStats: client.cacheStats,
      tryResult: { text, tokens: ex.length, pooled: Array.from(ex.pooled), ms: performance.now() - t0, cached },
    });
  } catch (err) {
    setEncoder({ encoderStatus: 'ready', encoderError: message(err) });
  }
}
