// Registry entry of full fine-tuning (../finetune.ts): every encoder weight plus a classifier on the pooled vector.
// Design decision: a head file of this kind holds the WHOLE trained encoder (`param.encoder.<spec name>`, every
// tensor changes in full fine-tuning) plus the classifier, and records the tensor list in its config; loading
// needs the base model's graph (the architecture and constants come from it, the file's encoder hash must match
// it, as for every kind), so `load` takes the base EncoderSpec from the caller. It trains on token ids.
import { FinetuneHead } from '../finetune';
import { bool, HeadFileError, HeadOnnxError, int, type Config, type HeadKindEntry } from '../kind-entry';
import { mapSpecTensors, specTensors, type EncoderSpec } from '../../model/spec';

/** Layer-wise lr decay default: off (1). The CLI's --layer-decay sets it. */
export const FINETUNE_DEFAULTS = { lr: 5e-5, layerDecay: 1 } as const;

function tensorList(c: Config): Record<string, number[]> {
  const t = c.tensors;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new HeadFileError('config (finetune).tensors must be an object of encoder tensor shapes');
  const out: Record<string, number[]> = Object.create(null);
  for (const [name, shape] of Object.entries(t)) {
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 24)) {
      throw new HeadFileError(`config (finetune).tensors["${name}"] must be a shape of 1 or 2 positive integers, got ${JSON.stringify(shape)}`);
    }
    out[name] = shape;
  }
  return out;
}

/** The base spec with the file's trained tensors, after checking the file describes exactly this architecture. */
export function finetunedSpec(base: EncoderSpec, c: Config, tensors: Record<string, { shape: number[]; data: Float32Array }>): EncoderSpec {
  const listed = tensorList(c);
  const own = specTensors(base);
  const names = new Set(own.map((t) => t.name));
  for (const n of Object.keys(listed)) {
    if (!names.has(n)) throw new HeadFileError(`encoder tensor "${n}" is not part of the loaded base model (${base.family}, ${base.layers.length} layers): a head fine-tuned from another architecture`);
  }
  for (const { name, tensor } of own) {
    const s = listed[name];
    if (!s) throw new HeadFileError(`encoder tensor "${name}" of the base model is missing from the file`);
    if (s.join(',') !== tensor.shape.join(',')) throw new HeadFileError(`encoder tensor "${name}" has shape [${s}] in the file, [${tensor.shape}] in the base model`);
  }
  return mapSpecTensors(base, (name) => tensors[`param.encoder.${name}`].data);
}

export const finetuneEntry: HeadKindEntry<'finetune'> = {
  kind: 'finetune',
  title: 'Fine-tune the whole encoder',
  blurb: 'Every encoder weight plus a classifier, trained in WGSL. The yardstick; slow on a CPU adapter.',
  input: 'token-ids',
  trainDefaults: { lr: FINETUNE_DEFAULTS.lr, objective: 'softmax' },
  build(e, ctx) {
    if (!ctx.encoderSpec) {
      throw new Error('fine-tuning runs the encoder in WGSL and needs its graph: this model could not be read (see the model panel or `labeltune embed --engine wgsl` for why)');
    }
    return new FinetuneHead(e, { spec: ctx.encoderSpec, labels: ctx.labels, pair: ctx.pair, seed: ctx.seed, layerDecay: ctx.layerDecay, trainable: ctx.trainable });
  },
  codec: {
    save(head) {
      const h = head as FinetuneHead;
      const tensors: Record<string, number[]> = {};
      for (const { name, tensor } of specTensors(h.config.spec)) tensors[name] = [...tensor.shape];
      return {
        config: { C: h.encoder.pooledWidth, labels: h.labels, pair: h.config.pair, layer_decay: h.config.layerDecay ?? 1, family: h.config.spec.family, tensors },
        extra: {},
      };
    },
    expect(c) {
      const w = 'config (finetune)';
      const C = int(c, 'C', w);
      const L = int(c, 'labels', w);
      const D = bool(c, 'pair', w) ? 4 * C : C;
      const shapes = new Map<string, number[]>([['param.classifier.W', [D, L]], ['param.classifier.b', [L]]]);
      for (const [name, shape] of Object.entries(tensorList(c))) shapes.set(`param.encoder.${name}`, shape);
      return { L, shapes };
    },
    load(e, c, t, L, ctx) {
      if (!ctx?.encoderSpec) throw new HeadFileError('a fine-tuned model is loaded on top of its base encoder\'s graph, which could not be read here');
      const spec = finetunedSpec(ctx.encoderSpec, c, t);
      return new FinetuneHead(e, {
        spec,
        labels: L,
        pair: c.pair as boolean,
        seed: 0,
        layerDecay: typeof c.layer_decay === 'number' ? c.layer_decay : 1,
        trainable: ctx.trainable,
        W: t['param.classifier.W'].data,
        b: t['param.classifier.b'].data,
      });
    },
  },
  onnx() {
    throw new HeadOnnxError('a fine-tuned model changes the encoder itself: export the combined ONNX (encoder + classifier) instead of a head-only graph');
  },
};
