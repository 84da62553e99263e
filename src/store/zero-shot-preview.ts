// The label texts and the zero-shot accuracy they give on dev: edited texts are re-scored after a pause in
// typing, a run shows the score of its texts before training starts. Design decision: the dev set is NOT encoded
// just because a page opened (on a CPU that is minutes of work nobody asked for); the user asks for the preview
// ("Check zero-shot"), or presses Train, which encodes dev first. The latest request wins (a sequence number).
// The scoring itself (single- and multi-label) is src/train/zero-shot-eval.ts.
import { currentDataset, devIsEncoded, encodeLabelTexts, encodeSet } from './encoded-sets';
import { getEncoderClient } from './encoder-workflows';
import { useStudio } from './store';
import { evaluateZeroShot } from '../train/zero-shot-eval';
import type { TrainSlice } from './train-slice';
import { getEngine } from './workflows';

const set = (patch: Partial<TrainSlice>) => useStudio.getState().setTrain(patch);
const get = () => useStudio.getState();
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';

const preview = { timer: null as ReturnType<typeof setTimeout> | null, seq: 0, dataset: null as object | null };

/** Edit one label's text; the zero-shot accuracy is recomputed after a pause in typing. */
export function setLabelText(i: number, text: string): void {
  const texts = get().labelTexts.slice();
  texts[i] = text;
  set({ labelTexts: texts });
  scheduleZeroShot(400);
}

/** Label texts back to the label names. */
export function resetLabelTexts(): void {
  set({ labelTexts: get().labelTextsFor.slice() });
  scheduleZeroShot(0);
}

function scheduleZeroShot(ms: number): void {
  if (preview.timer) clearTimeout(preview.timer);
  preview.timer = setTimeout(() => {
    preview.timer = null;
    void computeZeroShot();
  }, ms);
}

/** A run starts: drop any pending or running preview (the run scores its own texts). */
export function cancelZeroShotPreview(): void {
  if (preview.timer) clearTimeout(preview.timer);
  preview.timer = null;
  preview.seq++;
}

/**
 * Called when the dataset, the encoder or the engine changes: reset the label texts for new labels, and refresh
 * the zero-shot preview when the dev set is already encoded.
 */
export function onDatasetChanged(): void {
  const ds = currentDataset();
  const s = get();
  if (!ds) return;
  // A new dataset: the last run (trained on the old one) is no longer this step's state; it stays in the history.
  if (ds !== preview.dataset) {
    const first = preview.dataset === null;
    preview.dataset = ds;
    if (!first && (s.trainStatus === 'done' || s.trainStatus === 'error')) {
      set({ trainStatus: 'idle', trainMessage: null, trainError: null, run: null, results: null, encodeSummary: null });
    }
  }
  const labels = ds.train.labels;
  if (labels.join('\u0000') !== s.labelTextsFor.join('\u0000')) {
    set({ labelTexts: labels.slice(), labelTextsFor: labels.slice(), zeroShot: null, zeroShotError: null });
  }
  if (s.trainStatus === 'encoding' || s.trainStatus === 'training' || s.trainStatus === 'paused') return;
  if (devIsEncoded()) scheduleZeroShot(0);
}

/** Encode the dev set if needed and show the zero-shot accuracy of the current label texts on it. */
export function checkZeroShot(): Promise<void> {
  if (preview.timer) clearTimeout(preview.timer);
  return computeZeroShot(true);
}

/**
 * Evaluate the zero-shot head (label-text seeds, cosine) on dev. Encodes dev only when `encode` is set (an
 * explicit request); label-text edits recompute it only once dev is encoded. Latest call wins.
 */
async function computeZeroShot(encode = false): Promise<void> {
  const seq = ++preview.seq;
  const ds = currentDataset();
  const engine = getEngine();
  const client = getEncoderClient();
  const s = get();
  if (!ds || !engine || !client?.info || s.labelTexts.length !== ds.train.labels.length) return;
  if (s.trainStatus === 'encoding') return;
  if (!encode && !devIsEncoded()) return;
  set({ zeroShotBusy: true, zeroShotError: null });
  const texts = s.labelTexts.slice();
  try {
    const ctrl = new AbortController();
    const dev = await encodeSet('dev', ds.dev, s.trainForm, ctrl.signal);
    if (seq === preview.seq && get().trainStatus !== 'encoding') set({ encodeStage: null });
    const feats = await encodeLabelTexts(texts, s.trainForm);
    if (seq !== preview.seq) return;
    const zs = await evaluateZeroShot(engine, client.info.hiddenSize, feats, dev.examples);
    if (seq !== preview.seq) return;
    set({ zeroShot: { labelTexts: texts, ...zs }, zeroShotBusy: false });
  } catch (err) {
    if (seq === preview.seq) set({ zeroShotBusy: false, zeroShotError: isAbort(err) ? null : message(err) });
  } finally {
    if (seq === preview.seq) set({ zeroShotBusy: false });
  }
}

export { evaluateZeroShot };
