// `labeltune export --head-file F --onnx out.onnx [--model default|DIR]`: a deployable model from the CLI — the
// combined ONNX (the encoder's model.onnx + the head; for a fine-tuned model the original graph with the trained
// weights written back, plus its classifier) that any onnxruntime runs from token ids to probabilities.
// Design decision: no GPU and no encoder session: the head file holds every trained value and the export works
// on the protobufs (src/export), so the command runs wherever Node does; the output path is checked before the
// work and written once at the end, so a failure leaves nothing half-written.
import { statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModelSourceNode } from '../encoder/sources-node';
import { CombinedOnnxError, exportCombinedOnnx } from '../export';
import { UsageError } from './args';
import { peekHeadFile } from './head-file';

export const EXPORT_USAGE = `  labeltune export --head-file head.safetensors --onnx out.onnx [--model default|DIR]
      one ONNX model from token ids to logits and probabilities (encoder + head; a finetune head: the model's own
      graph with the trained weights); any head kind; the model must be the one the head was trained on`;

/** Refuse an output path whose folder is missing (or is not a folder) before any work is done. */
function checkWritable(path: string): void {
  const dir = dirname(resolve(path));
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UsageError(`cannot write ${path}: the folder ${dir} does not exist (create it first)`);
  }
  if (!st.isDirectory()) throw new UsageError(`cannot write ${path}: ${dir} is not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`cannot write ${path}: it is a folder; give a file name such as ${path.replace(/\/+$/, '')}/model.onnx`);
  } catch (err) {
    if (err instanceof UsageError) throw err; // absent: fine
  }
}

export async function exportCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'head-file': { type: 'string' },
      onnx: { type: 'string' },
      model: { type: 'string', default: 'default' },
    },
  });
  if (!values['head-file']) throw new UsageError('export needs --head-file FILE (a head from "labeltune train --out")');
  if (!values.onnx) throw new UsageError('export needs --onnx FILE (where to write the combined ONNX model)');
  const out = values.onnx;
  checkWritable(out);
  const peeked = peekHeadFile(values['head-file']);
  const files = await loadModelSourceNode(values.model === 'default' ? { kind: 'default' } : { kind: 'paths', model: values.model! });
  let bytes: Uint8Array;
  try {
    bytes = await exportCombinedOnnx(files, peeked.bytes, { encoderName: files.name });
  } catch (err) {
    if (err instanceof CombinedOnnxError && / has hash /.test(err.message)) throw new CombinedOnnxError(`${err.message.replace(/^combined ONNX export: /, '')} (choose the model with --model DIR)`);
    throw err;
  }
  try {
    writeFileSync(out, bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write ${out}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the disk' : (err as Error).message}`);
  }
  const what = peeked.kind === 'finetune' ? `${files.name} with the fine-tuned weights + classifier` : `${files.name} + ${peeked.kind} head`;
  const inputs = peeked.pair === 'side-by-side' ? 'input_ids, attention_mask, input_ids_b, attention_mask_b' : 'the model\'s inputs (input_ids, attention_mask[, token_type_ids])';
  console.log(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB): ${what}${peeked.labels ? `, ${peeked.labels.length} labels` : ''}; inputs ${inputs}, padded on the right; outputs logits, probabilities`);
}
