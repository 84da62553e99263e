// The loaded model as the kinds that run the encoder in WGSL need it on the page (full fine-tuning, the L-Tuning
// kinds): its graph as an EncoderSpec (weights read from model.onnx) and its tokenizer, for token ids to train on
// and for the Use step's predictions. Design decision: the page reads the same files the encoder worker loaded
// (the model source it came from: the embedded model over HTTP, dropped files, the hub's Cache Storage) and
// checks they hash to the worker's encoder identity, so token ids and weights can never come from another model
// than the one whose name the studio shows; one read per loaded model, kept until another model is loaded.
import { encoderIdentity } from '../encoder/identity';
import { readEncoderConfig } from '../encoder/model-files';
import { loadModelSource } from '../encoder/sources';
import { TextTokenizer } from '../encoder/tokenizer';
import type { EncoderInfo } from '../encoder/types';
import { readEncoderSpec, UnsupportedGraphError } from '../model/onnx-reader';
import type { EncoderSpec } from '../model/spec';
import { getCurrentSource, getEncoderClient } from './encoder-workflows';

export interface WgslModel {
  /** The encoder identity (EncoderInfo.hash) these files hash to. */
  hash: string;
  spec: EncoderSpec;
  tokenizer: TextTokenizer;
}

let cached: { hash: string; model: Promise<WgslModel> } | null = null;

/** The loaded encoder's graph and tokenizer (read once per model); a clear error when its graph is not supported. */
export function wgslModel(): Promise<WgslModel> {
  const info = getEncoderClient()?.info;
  const source = getCurrentSource();
  if (!info || !source) return Promise.reject(new Error('The encoder is not loaded yet: wait until the model panel says it is ready.'));
  if (cached?.hash !== info.hash) {
    const model = read(info, source);
    cached = { hash: info.hash, model };
    // A failed read is not kept: the next call tries again (e.g. after a network hiccup).
    model.catch(() => {
      if (cached?.model === model) cached = null;
    });
  }
  return cached.model;
}

async function read(info: EncoderInfo, source: NonNullable<ReturnType<typeof getCurrentSource>>): Promise<WgslModel> {
  const files = await loadModelSource(source);
  const { hash } = await encoderIdentity(files);
  if (hash !== info.hash) {
    throw new Error(`The model files of ${info.name} changed since the encoder loaded them (hash ${hash.slice(0, 12)}… vs ${info.hash.slice(0, 12)}…): load the model again.`);
  }
  let spec: EncoderSpec;
  try {
    spec = readEncoderSpec(files.model);
  } catch (err) {
    if (err instanceof UnsupportedGraphError) {
      throw new Error(`This kind runs the encoder in WGSL, but ${info.name} cannot run there: ${err.message}. The feature heads (linear probe, Y-Tuning, label tuning, zero-shot) still work with it.`);
    }
    throw err;
  }
  const tokenizer = TextTokenizer.fromJson(files.name, files.tokenizerJson, readEncoderConfig(files.name, files.config).padTokenId);
  return { hash, spec, tokenizer };
}
