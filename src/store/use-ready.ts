// What every Use action checks first: an active head, a GPU engine and an encoder, the head trained on THAT
// encoder. Design decision: a missing piece is a sentence for the page (what is missing and what to do), never a
// throw at a component.
import { getActiveHead, type ActiveHeadInfo } from './active-head';
import { getEncoderClient } from './encoder-workflows';
import { getEngine } from './workflows';

export type ActiveHead = NonNullable<ReturnType<typeof getActiveHead>>;
export type ReadyClient = NonNullable<ReturnType<typeof getEncoderClient>>;
export type ReadyEngine = NonNullable<ReturnType<typeof getEngine>>;

export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The head, encoder client and engine, or the sentence that says what is missing. */
export function ready(): { head: ActiveHead; client: ReadyClient; e: ReadyEngine } | string {
  const head = getActiveHead();
  if (!head) return 'No head yet: train one (step Train) or import a .safetensors head below.';
  const e = getEngine();
  if (!e) return 'The GPU engine is not running (no WebGPU adapter, or the device was lost): reload the page.';
  const client = getEncoderClient();
  if (!client?.info) return 'The encoder is still loading: wait for the Model step to say it is ready.';
  const want = head.info.meta.encoder;
  if (want.hash !== client.info.hash) {
    return `This head was trained on ${want.name} (${want.hash.slice(0, 8)}), but the loaded encoder is ${client.info.name} (${client.info.hash.slice(0, 8)}): load ${want.name} in the Model step, or train or import a head for ${client.info.name}.`;
  }
  return { head, client, e };
}

/** Does the active head read sentence pairs (two texts per example)? */
export function headReadsPairs(info: ActiveHeadInfo): boolean {
  return info.meta.tokenizer.pair !== 'none';
}
