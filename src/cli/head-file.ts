// Reading a head file (.safetensors from `train --out` or the studio's export) for `eval` and `predict`.
// Design decision: two steps — `peekHeadFile` checks the container and the format marker and reads the token
// limit BEFORE the encoder loads (a file that is not a head fails in milliseconds, and the encoder is opened with
// the head's Tmax), then `loadHead` runs the full validation of importHead on the GPU, which refuses a head
// trained on another encoder with its own message.
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { HEAD_FORMAT, HeadFileError, importHead, type HeadMeta } from '../heads/serialize';
import { readSafetensors, SafetensorsError } from '../heads/safetensors';
import type { EncoderInfo } from '../encoder/types';
import { headEntry, isHeadKind } from '../heads/registry';
import { readEncoderSpec, UnsupportedGraphError } from '../model/onnx-reader';
import type { EncoderSpec } from '../model/spec';
import { readBytes } from './args';

export interface PeekedHead {
  path: string;
  bytes: Uint8Array;
  kind: string;
  encoderName: string;
  encoderHash?: string;
  /** The token limit the head was trained with (undefined when unreadable; loadHead then says why). */
  tmax?: number;
  /** Label names (undefined when unreadable; loadHead then says why). */
  labels?: string[];
  /** How the head's texts reached the encoder ('none': single texts). */
  pair?: string;
  /** A multi-label head (metadata "task"; checked in full by loadHead). */
  multiLabel?: boolean;
}

function jsonEntry(metadata: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(metadata[key] ?? 'null');
  } catch {
    return null; // importHead reports a broken entry with its own message.
  }
}

export function peekHeadFile(path: string): PeekedHead {
  const bytes = readBytes(path);
  let metadata: Record<string, string>;
  try {
    metadata = readSafetensors(bytes).metadata;
  } catch (err) {
    if (err instanceof SafetensorsError) throw new HeadFileError(`${path} is not a labeltune head (.safetensors from "labeltune train --out"): ${err.message}`);
    throw err;
  }
  if (metadata.format !== HEAD_FORMAT) {
    throw new HeadFileError(`${path} is a safetensors file but not a labeltune head (its format is ${JSON.stringify(metadata.format ?? null)}, expected "${HEAD_FORMAT}")`);
  }
  const tok = jsonEntry(metadata, 'tokenizer') as { tmax?: unknown; pair?: unknown } | null;
  const labels = jsonEntry(metadata, 'labels');
  return {
    path,
    bytes,
    kind: metadata.kind ?? '?',
    encoderName: metadata.encoder_name ?? '?',
    encoderHash: metadata.encoder_hash ?? '',
    tmax: Number.isInteger(tok?.tmax) && (tok!.tmax as number) > 0 ? (tok!.tmax as number) : undefined,
    labels: Array.isArray(labels) && labels.every((l) => typeof l === 'string') ? labels : undefined,
    pair: typeof tok?.pair === 'string' ? tok.pair : undefined,
    multiLabel: (jsonEntry(metadata, 'task') as { type?: unknown } | null)?.type === 'multi-label',
  };
}

/** The model's graph for the WGSL encoder; an unreadable one is a head-file error naming why. */
function wgslSpec(peeked: PeekedHead, model: Uint8Array): EncoderSpec {
  try {
    return readEncoderSpec(model);
  } catch (err) {
    if (err instanceof UnsupportedGraphError) throw new HeadFileError(`a ${peeked.kind} head runs the encoder in WGSL, but ${err.message}`);
    throw err;
  }
}

/**
 * Full validation and import on the GPU; refuses a head trained on another encoder (names the fix: --model).
 * A kind that runs the encoder itself (finetune) is loaded on top of the graph read from `model` (model.onnx).
 * For eval and predict: the head is loaded for inference only (`trainable: false`, no gradients).
 */
export function loadHead(e: GpuEngine, peeked: PeekedHead, encoder: EncoderInfo, model?: Uint8Array): { head: Head; meta: HeadMeta } {
  try {
    const encoderSpec = model && isHeadKind(peeked.kind) && headEntry(peeked.kind).input === 'token-ids' && peeked.encoderHash === encoder.hash ? wgslSpec(peeked, model) : undefined;
    return importHead(e, peeked.bytes, { encoderHash: encoder.hash, encoderName: encoder.name, encoderWidth: encoder.hiddenSize, encoderSpec, trainable: false });
  } catch (err) {
    if (err instanceof HeadFileError) {
      const hint = /the loaded encoder is/.test(err.message) ? ' (choose the model with --model DIR)' : '';
      throw new HeadFileError(`${peeked.path}: ${err.message.replace(/^head file: /, '')}${hint}`);
    }
    throw err;
  }
}
