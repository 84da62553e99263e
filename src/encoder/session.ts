// One onnxruntime inference session for an encoder model: creation on exactly one EP (asserted), the interface
// check, the model's identity (SHA-256 of its bytes) and serialised runs.
// Design decision: run() calls go through one promise chain, so at most one session.run is in flight even when
// several callers encode at once (onnxruntime-web's wasm/WebGPU backends are not re-entrant per session).
import { float16ToFloat32 } from './f16';
import {
  checkModelInterface,
  INPUT_IDS,
  ATTENTION_MASK,
  readEncoderConfig,
  validateModelFiles,
  type EncoderConfig,
  type ModelFiles,
  type ModelInterface,
  type ValueInfo,
} from './model-files';
import {
  assertEpAfterCreate,
  checkEpBeforeCreate,
  sessionOptionsFor,
  type OrtRuntime,
  type OrtTensor,
} from './runtime';
import { encoderIdentity } from './identity';
import type { EncoderInfo, ExecutionProvider } from './types';

/** Used when neither config.json nor the model says how long a sequence may be (BERT's usual limit). */
export const DEFAULT_MAX_TOKENS = 512;

/** The outputs of one run, as float32: token states (b, s, C) and, when the model has it, pooled (b, C). */
export interface SessionOutputs {
  /** (batch, seq, C) row-major. */
  hidden: Float32Array;
  batch: number;
  seq: number;
  /** (batch, C) row-major; only for models with a pooled output. */
  pooled?: Float32Array;
}

export class EncoderSession {
  /** Number of session runs so far (tests and benchmarks count them). */
  runs = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(
    readonly runtime: OrtRuntime,
    private readonly session: OrtCommonSession,
    readonly info: EncoderInfo,
    readonly iface: ModelInterface,
    readonly config: EncoderConfig,
    /** Which runtime and EP run it, in words (e.g. "onnxruntime-web wasm"). */
    readonly epDescription: string,
  ) {}

  /**
   * Create a session on exactly `ep`, check the model's interface and hash its bytes. Throws, naming the model,
   * when the EP is unavailable, the bytes are not a loadable ONNX model, or the inputs/outputs don't fit.
   */
  static async create(rt: OrtRuntime, files: ModelFiles, ep: ExecutionProvider): Promise<EncoderSession> {
    validateModelFiles(files);
    const config = readEncoderConfig(files.name, files.config);
    checkEpBeforeCreate(rt, ep);
    // Hash first: onnxruntime-web in proxy mode transfers (detaches) the buffer it is given.
    const id = await encoderIdentity(files);
    let session: OrtCommonSession;
    try {
      session = await rt.ort.InferenceSession.create(files.model.slice(), sessionOptionsFor(ep));
    } catch (err) {
      throw new Error(`model "${files.name}": onnxruntime-${rt.kind} could not create a session on the ${ep} EP: ${errorText(err)}`);
    }
    try {
      const epDescription = assertEpAfterCreate(rt, ep);
      const iface = checkModelInterface(files.name, metadataOf(session, 'input'), metadataOf(session, 'output'), config);
      const maxTokens = config.maxTokens ?? DEFAULT_MAX_TOKENS;
      const info: EncoderInfo = {
        name: files.name,
        hash: id.hash,
        modelSha256: id.modelSha256,
        tokenizerSha256: id.tokenizerSha256,
        hiddenSize: iface.hiddenSize ?? 0,
        hasPooledOutput: iface.pooledOutput !== undefined,
        hasPairInput: iface.hasPairInput,
        maxTokens,
        ep,
      };
      const s = new EncoderSession(rt, session, info, iface, config, epDescription);
      if (iface.hiddenSize === undefined) {
        // Neither config.json nor the output shapes fix C: one 1-token run tells.
        const probe = await s.run(s.feeds(1, 1, new BigInt64Array(1), new BigInt64Array([1n])));
        s.info.hiddenSize = probe.hidden.length;
        s.runs = 0;
      }
      return s;
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  /** int64 feeds for this model: ids and mask (batch, seq); token types (zeros when not given) if it takes them. */
  feeds(batch: number, seq: number, ids: BigInt64Array, mask: BigInt64Array, typeIds?: BigInt64Array): Record<string, OrtTensor> {
    const { Tensor } = this.runtime.ort;
    const n = batch * seq;
    for (const [what, a] of [['input_ids', ids], ['attention_mask', mask], ['token_type_ids', typeIds]] as const) {
      if (a && a.length !== n) throw new Error(`feeds: ${what} has ${a.length} values, expected batch*seq = ${batch}*${seq}`);
    }
    const f: Record<string, OrtTensor> = {
      [INPUT_IDS]: new Tensor('int64', ids, [batch, seq]),
      [ATTENTION_MASK]: new Tensor('int64', mask, [batch, seq]),
    };
    if (this.iface.hasPairInput) f.token_type_ids = new Tensor('int64', typeIds ?? new BigInt64Array(n), [batch, seq]);
    return f;
  }

  /** Run the model (serialised with every other run of this session) and return float32 outputs. */
  run(feeds: Record<string, OrtTensor>): Promise<SessionOutputs> {
    const next = this.chain.then(() => this.runNow(feeds));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runNow(feeds: Record<string, OrtTensor>): Promise<SessionOutputs> {
    if (this.released) throw new Error(`model "${this.info.name}": the session was released`);
    const ids = feeds[INPUT_IDS];
    if (!ids || ids.dims.length !== 2) throw new Error(`model "${this.info.name}": feeds need ${INPUT_IDS} [batch, seq]`);
    const [batch, seq] = ids.dims as [number, number];
    const fetches = [this.iface.hiddenOutput, ...(this.iface.pooledOutput ? [this.iface.pooledOutput] : [])];
    let out: Record<string, OrtTensor>;
    try {
      out = (await this.session.run(feeds, fetches)) as Record<string, OrtTensor>;
    } catch (err) {
      throw new Error(`model "${this.info.name}": run on a (${batch}, ${seq}) batch failed: ${errorText(err)}`);
    }
    this.runs++;
    const h = out[this.iface.hiddenOutput];
    const c = this.info.hiddenSize;
    if (h.dims.length !== 3 || h.dims[0] !== batch || h.dims[1] !== seq || (c > 0 && h.dims[2] !== c)) {
      throw new Error(`model "${this.info.name}": ${this.iface.hiddenOutput} has dims [${h.dims.join(', ')}], expected [${batch}, ${seq}, ${c || 'C'}]`);
    }
    const result: SessionOutputs = { hidden: toFloat32(h, this.info.name), batch, seq };
    if (this.iface.pooledOutput) {
      const p = out[this.iface.pooledOutput];
      if (p.dims.length !== 2 || p.dims[0] !== batch || p.dims[1] !== h.dims[2]) {
        throw new Error(`model "${this.info.name}": ${this.iface.pooledOutput} has dims [${p.dims.join(', ')}], expected [${batch}, ${h.dims[2]}]`);
      }
      result.pooled = toFloat32(p, this.info.name);
    }
    return result;
  }

  /** Release the session once the runs in flight have finished. Later runs throw. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.chain;
    await this.session.release();
  }
}

type OrtCommonSession = Awaited<ReturnType<OrtRuntime['ort']['InferenceSession']['create']>>;

function metadataOf(session: OrtCommonSession, which: 'input' | 'output'): ValueInfo[] {
  const meta = which === 'input' ? session.inputMetadata : session.outputMetadata;
  const names = which === 'input' ? session.inputNames : session.outputNames;
  return names.map((name, i) => {
    const m = meta?.[i];
    return m && m.isTensor ? { name, type: m.type, shape: m.shape } : { name, type: m ? undefined : 'unknown', shape: [] };
  });
}

function toFloat32(t: OrtTensor, model: string): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const d = t.data as unknown as ArrayBufferView;
    const out = new Float32Array(t.size);
    float16ToFloat32(new Uint16Array(d.buffer, d.byteOffset, t.size), out);
    return out;
  }
  throw new Error(`model "${model}": output has type ${t.type}; expected float32 or float16`);
}

export { sha256Hex } from './identity';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
