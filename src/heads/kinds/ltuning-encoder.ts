// Registry entries of the heads that tune the FROZEN encoder (../ltuning-encoder.ts): L-Tuning as published
// (`ltuning-prefix`, `ltuning-prompt`, match objective, scored per (text, label) pair) and the paper's baselines
// (`prefix-tuning`, `prompt-tuning`). All four train on token ids and run the encoder in WGSL.
// Design decision: a file stores only the trained tensors, the config (method, P, widths) and, for the L-Tuning
// kinds, the unit-rms label token states as config tensors (no encoder pass over the label texts on import);
// the encoder itself comes from the base model at load time (`LoadContext.encoderSpec`), checked against the
// stored widths, and the file's encoder hash must match it like every kind.
// `classifier` ('per-label' rows, or one 'shared' row) is stored since per-label rows; an L-Tuning file without it
// is from before and rebuilds its one shared row.
import { bool, HeadFileError, HeadOnnxError, IMPORT_LIMITS, int, paramInit, type Config, type HeadContext, type HeadKindEntry, type LabelFeatures } from '../kind-entry';
import { EncoderTuningHead, KIND_OF_METHOD, type EncoderTuningKind } from '../ltuning-encoder';
import { encoderTuningParamSpecs, type EncoderTuningClassifier, type EncoderTuningMethod, type EncoderTuningResolved, type PromptPooling } from '../ltuning-encoder-config';
import type { EncoderSpec } from '../../model/spec';
import type { F32Tensor } from '../safetensors';

function needSpec(ctx: { encoderSpec?: EncoderSpec }, kind: string): EncoderSpec {
  if (!ctx.encoderSpec) {
    throw new Error(`${kind} runs the frozen encoder in WGSL and needs its graph: this model could not be read (see the model panel or \`labeltune embed --engine wgsl\` for why)`);
  }
  return ctx.encoderSpec;
}

/** The label texts' token states from the frozen encoder (HeadContext.labelFeatures). */
function labelStates(ctx: HeadContext, kind: string) {
  if (ctx.labelFeatures.length !== ctx.labels) throw new Error(`${kind} needs the label texts through the encoder: got ${ctx.labelFeatures.length} for ${ctx.labels} labels`);
  return ctx.labelFeatures.map((f: LabelFeatures) => ({ tokens: f.tokens, length: f.length }));
}

const METHOD_OF_KIND: Record<EncoderTuningKind, EncoderTuningMethod> = {
  'ltuning-prefix': 'lt-prefix',
  'ltuning-prompt': 'lt-prompt',
  'prefix-tuning': 'prefix',
  'prompt-tuning': 'prompt',
};

/** The stored numbers a head of this kind needs; the widths must match the base encoder at load time. */
function readConfig(kind: EncoderTuningKind, c: Config) {
  const w = `config (${kind})`;
  if (c.method !== METHOD_OF_KIND[kind]) {
    // Files of the cached-feature heads once named ltuning-prefix / -prompt are mapped before this (../serialize.ts).
    throw new HeadFileError(`${w}.method must be "${METHOD_OF_KIND[kind]}", got ${JSON.stringify(c.method)}`);
  }
  const widths = c.widths;
  if (!Array.isArray(widths) || widths.length < 1 || widths.length > IMPORT_LIMITS.N * 4 || !widths.every((x) => Number.isInteger(x) && x >= 1 && x <= IMPORT_LIMITS.width)) {
    throw new HeadFileError(`${w}.widths must be a list of 1 to ${IMPORT_LIMITS.N * 4} positive integers of at most ${IMPORT_LIMITS.width} (one per encoder layer)`);
  }
  const lt = kind === 'ltuning-prefix' || kind === 'ltuning-prompt';
  // An L-Tuning file without `classifier` predates per-label classifier rows: one shared row (the baselines always had L).
  const classifier: EncoderTuningClassifier = c.classifier === undefined ? (lt ? 'shared' : 'per-label') : (c.classifier as EncoderTuningClassifier);
  if (classifier !== 'per-label' && !(lt && classifier === 'shared')) {
    throw new HeadFileError(`${w}.classifier must be "per-label"${lt ? ' or "shared"' : ''}, got ${JSON.stringify(c.classifier)}`);
  }
  // A prompt file without `prompt_pooling` predates the prompt mask and text-row pooling: every prompt row attended and pooled.
  const prompt = kind === 'ltuning-prompt' || kind === 'prompt-tuning';
  const promptPooling: PromptPooling = c.prompt_pooling === undefined ? (prompt ? 'all' : 'text') : (c.prompt_pooling as PromptPooling);
  if (promptPooling !== 'text' && !(prompt && promptPooling === 'all')) {
    throw new HeadFileError(`${w}.prompt_pooling must be "text"${prompt ? ' or "all"' : ''}, got ${JSON.stringify(c.prompt_pooling)}`);
  }
  return { L: int(c, 'L', w), P: int(c, 'P', w), d: int(c, 'd', w), E: int(c, 'E', w), Cp: int(c, 'Cp', w), widths: widths as number[], lmax: lt ? int(c, 'lmax', w) : 0, lt, classifier, promptPooling };
}

/** A resolved config from stored numbers alone (for tensor shapes). */
function shapeOnly(kind: EncoderTuningKind, c: ReturnType<typeof readConfig>): EncoderTuningResolved {
  return {
    method: METHOD_OF_KIND[kind],
    spec: null as unknown as EncoderSpec, // never read by encoderTuningParamSpecs
    L: c.L,
    P: c.P,
    seed: 0,
    d: c.d,
    E: c.E,
    Cp: c.Cp,
    widths: c.widths,
    classifier: c.classifier,
    promptPooling: c.promptPooling,
    lmax: c.lmax,
    labelTokens: new Float64Array(0),
    labelMask: new Float64Array(0),
  };
}

function entry<K extends EncoderTuningKind>(kind: K, title: string, blurb: string): HeadKindEntry<K> {
  const method = METHOD_OF_KIND[kind];
  return {
    kind,
    title,
    blurb,
    input: 'token-ids',
    labelStates: method === 'lt-prefix' || method === 'lt-prompt',
    pairs: 'joint',
    trainDefaults: { lr: 1e-3, objective: 'match' },
    build(e, ctx) {
      const spec = needSpec(ctx, kind);
      const lt = method === 'lt-prefix' || method === 'lt-prompt';
      if (ctx.pair) throw new Error(`${kind}: a pair runs as ONE joint token sequence (text a then text b); side-by-side pairs are not supported by this kind`);
      return new EncoderTuningHead(e, { method, spec, labels: ctx.labels, labelStates: lt ? labelStates(ctx, kind) : undefined, seed: ctx.seed });
    },
    codec: {
      save(head) {
        const h = head as EncoderTuningHead;
        const r = h.config;
        const config = { method: r.method, L: r.L, P: r.P, d: r.d, E: r.E, Cp: r.Cp, widths: r.widths, lmax: r.lmax, classifier: r.classifier, family: r.spec.family, pair_joint: true, ...(r.method.endsWith('prompt') ? { prompt_pooling: r.promptPooling } : {}) };
        const extra: Record<string, F32Tensor> = {};
        if (r.lmax) {
          extra['config.labelTokens'] = { shape: [r.L, r.lmax, r.d], data: Float32Array.from(r.labelTokens) };
          extra['config.labelMask'] = { shape: [r.L, r.lmax], data: Float32Array.from(r.labelMask) };
        }
        return { config, extra };
      },
      expect(c) {
        const rc = readConfig(kind, c);
        if (c.pair_joint !== undefined) bool(c, 'pair_joint', `config (${kind})`);
        const shapes = new Map<string, number[]>();
        if (rc.lt) shapes.set('config.labelTokens', [rc.L, rc.lmax, rc.d]).set('config.labelMask', [rc.L, rc.lmax]);
        for (const s of encoderTuningParamSpecs(shapeOnly(kind, rc))) shapes.set(`param.${s.name}`, s.shape);
        return { L: rc.L, shapes };
      },
      load(e, c, t, L, ctx) {
        if (!ctx?.encoderSpec) throw new HeadFileError(`a ${kind} head runs on its base encoder's graph, which could not be read here`);
        const spec = ctx.encoderSpec;
        const rc = readConfig(kind, c);
        const widths = spec.layers.map((x) => x.heads * x.headDim);
        if (rc.d !== spec.hiddenSize || rc.E !== spec.embedWidth || widths.join(',') !== rc.widths.join(',')) {
          throw new HeadFileError(`the ${kind} head was trained on an encoder of widths d ${rc.d}, E ${rc.E}, layers [${rc.widths}]; the base model has d ${spec.hiddenSize}, E ${spec.embedWidth}, layers [${widths}]`);
        }
        let states;
        if (rc.lt) {
          const tok = t['config.labelTokens'].data;
          const mask = t['config.labelMask'].data;
          states = Array.from({ length: L }, (_, l) => {
            let n = 0;
            while (n < rc.lmax && mask[l * rc.lmax + n] >= 0.5) n++;
            if (n === 0) throw new HeadFileError(`config.labelMask: label ${l} has no token`);
            return { tokens: tok.subarray(l * rc.lmax * rc.d, (l * rc.lmax + n) * rc.d), length: n };
          });
        }
        return new EncoderTuningHead(e, { method, spec, labels: L, P: rc.P, labelStates: states, classifier: rc.classifier, promptPooling: rc.promptPooling }, paramInit(t));
      },
    },
    onnx() {
      throw new HeadOnnxError(`a ${kind} head changes the encoder's own computation (prefix keys/values or prompt rows in every forward): a head-only graph cannot express it; the combined export of this kind is not built yet`);
    },
  };
}

export const ltuningPrefixEntry = entry(
  'ltuning-prefix',
  'L-Tuning prefix',
  'As published: label tokens through the frozen encoder, pooled, mapped to prefix keys/values in every layer; the text runs the encoder once per (text, label) pair.',
);
export const ltuningPromptEntry = entry(
  'ltuning-prompt',
  'L-Tuning prompt',
  'As published: a learned map of the label tokens prompts the frozen encoder; one encoder pass per (text, label) pair.',
);
export const prefixTuningEntry = entry('prefix-tuning', 'Prefix tuning', 'Baseline: trainable keys/values in every layer of the frozen encoder, no label input; one pass per text.');
export const promptTuningEntry = entry('prompt-tuning', 'Prompt tuning', 'Baseline: trainable soft-prompt vectors in front of the text; frozen encoder, one pass per text.');

export { KIND_OF_METHOD };
