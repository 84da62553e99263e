// `labeltune eval --head-file head.safetensors --data FILE`: a trained head on a labelled file — accuracy,
// macro-F1, per-class precision/recall/F1 and the confusion matrix (or one JSON object with metrics, timings,
// adapter and EP). Design decision: the file's labels are mapped onto the HEAD's label order (a label the head
// never saw is a one-line error), and a head trained on single texts never reads a guessed second text column.
import { parseArgs } from 'node:util';
import { DataError, listLines, listNames, type Dataset } from '../data';
import { metricsFromLogits } from '../train/metrics';
import { multiLabelMetrics } from '../train/multi-label';
import { nll, reliability } from '../train/calibration';
import { headProbabilities } from '../train/head-probs';
import { devSummary, perLabelJson } from './metrics-report';
import { LABEL_FLAG_OPTIONS, labelReadOptions, type LabelReadOptions } from './args';
import { countFlag, readDataset, UsageError } from './args';
import { inferLogits, openEncoder } from './encoding';
import { metricsReport, perClassTable, printable } from './format';
import { adapterJson, withGpu } from './gpu-session';
import { loadHead, peekHeadFile, type PeekedHead } from './head-file';
import { meanCrossEntropy } from '../train/inference';
import { readsTokenIds } from '../train/token-inference';

export const EVAL_USAGE = `  labeltune eval --head-file head.safetensors --data FILE [--text COL] [--text-pair COL] [--label COL]
                 [--model default|DIR] [--batch N] [--no-cache] [--json]
                 [--label-sep SEP] [--label-names FILE] [--label-columns a,b,...]   (multi-label heads)
      Multi-label heads: micro/macro F1, per-label P/R/F1 + support, subset accuracy and Hamming loss at the
      head's tuned thresholds. Every head: balanced accuracy and the expected calibration error at its temperature.`;

/** Column options for a file read against a head: a single-text head never takes a guessed second text column. */
export function headColumns(peeked: PeekedHead, text: string | undefined, textPair: string | undefined): { text?: string; textPair?: string | null } {
  if (peeked.pair === 'none' && textPair !== undefined) {
    throw new UsageError(`--text-pair: the head in ${peeked.path} was trained on single texts, not text pairs; leave --text-pair out`);
  }
  return { text, textPair: textPair ?? (peeked.pair === 'none' ? null : undefined) };
}

/** Checks that a dataset's texts fit the head (pairs for a pair head, single texts otherwise). */
export function checkPairs(peeked: PeekedHead, hasPairs: boolean, file: string): void {
  if (peeked.pair !== undefined && peeked.pair !== 'none' && !hasPairs) {
    throw new UsageError(`the head in ${peeked.path} was trained on text pairs, but ${file} gives one text per row; name the second text column with --text-pair COL`);
  }
}

/** Loads the labelled file in the head's label order; a label the head does not know is one line. */
function readAgainstHead(path: string, peeked: PeekedHead, cols: { text?: string; textPair?: string | null; label?: string; labels?: LabelReadOptions }): Dataset {
  try {
    const labels: LabelReadOptions = { ...cols.labels, multiLabel: cols.labels?.multiLabel ?? (peeked.multiLabel ? true : undefined) };
    const ds = readDataset(path, { ...cols, labels }, peeked.labels);
    if (ds.multiLabel && !peeked.multiLabel) {
      const rows = ds.examples.filter((x) => (x.labels?.length ?? 1) > 1).map((x) => x.line);
      throw new DataError(
        'bad-option',
        `the head in ${peeked.path} predicts one label per text, but ${path} has several labels per row (${listLines(rows, 5)}): evaluate a multi-label head (train --multi-label), or pass --single-label if each cell is one label.`,
        rows.slice(0, 20),
      );
    }
    return ds;
  } catch (err) {
    if (err instanceof DataError && err.code === 'unseen-label') {
      const detail = err.message
        .replace(/^The dev set has (a label|labels) the training set never has: /, '')
        .replace(/\.? The training labels are .*$/, '');
      throw new DataError('unseen-label', `${path} has labels the head was not trained on: ${detail}. The head's labels are ${listNames(peeked.labels!, 20)}; drop those rows or use a head trained with them.`, err.lines);
    }
    throw err;
  }
}

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'head-file': { type: 'string' },
      data: { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      model: { type: 'string', default: 'default' },
      batch: { type: 'string', default: '64' },
      'no-cache': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      ...LABEL_FLAG_OPTIONS,
    },
  });
  if (!values['head-file']) throw new UsageError('eval needs --head-file FILE (a head from "labeltune train --out")');
  if (!values.data) throw new UsageError('eval needs --data FILE (labelled examples)');
  const batch = countFlag('batch', values.batch)!;
  const json = values.json!;
  const peeked = peekHeadFile(values['head-file']);
  const cols = headColumns(peeked, values.text, values['text-pair']);
  const labelRead = labelReadOptions(values);
  if (peeked.multiLabel && labelRead.multiLabel === false) throw new UsageError(`--single-label: the head in ${peeked.path} is multi-label; its data needs several labels per row`);
  const ds = readAgainstHead(values.data, peeked, { ...cols, label: values.label, labels: labelRead });
  checkPairs(peeked, ds.examples.some((x) => x.textPair !== undefined), values.data);
  const session = await openEncoder({ model: values.model!, tmax: peeked.tmax, cache: !values['no-cache'] });
  const { encoder } = session;
  try {
    await withGpu(async (engine, gpu) => {
      const { head, meta } = loadHead(engine, peeked, encoder.info, session.files.model);
      try {
        const inferred = await inferLogits(engine, head, session, ds.examples, {
          pair: peeked.pair,
          batch,
          label: 'encode',
          quiet: json,
          rowName: (i) => `line ${ds.examples[i].line} of ${values.data}`,
        });
        const { logits, encoded: enc, seconds: evalSeconds } = inferred;
        const targets = ds.examples.map((x) => x.label);
        const L = meta.labels.length;
        const multi = !!meta.task?.multiLabel;
        const sets = ds.examples.map((x) => x.labels ?? [x.label]);
        const m = multi ? multiLabelMetrics(headProbabilities(logits, L, meta), sets, L, meta.task!.thresholds) : metricsFromLogits(logits, targets, L);
        const loss = multi ? nll(logits, sets, L, 'sigmoid') : meanCrossEntropy(logits, targets, L);
        const T = meta.calibration?.temperature ?? 1;
        const rel = reliability(logits, multi ? sets : targets, L, multi ? 'sigmoid' : 'softmax', T);
        if (json) {
          const report = {
            command: 'eval',
            head_file: peeked.path,
            head: head.kind,
            data: values.data,
            labels: meta.labels,
            examples: ds.examples.length,
            skipped_rows: ds.skipped.filter((i) => i.code !== 'repeated-label').length, // repaired rows are kept
            metrics: {
              accuracy: m.accuracy,
              balanced_accuracy: m.balancedAccuracy,
              macro_f1: m.macroF1,
              loss,
              per_class: perLabelJson(meta.labels, m),
              confusion: m.confusion,
              ...(m.multiLabel
                ? { multi_label: { micro_f1: m.multiLabel.microF1, subset_accuracy: m.multiLabel.subsetAccuracy, hamming_loss: m.multiLabel.hammingLoss, thresholds: Object.fromEntries(meta.labels.map((l, k) => [l, m.multiLabel!.thresholds[k]])) } }
                : {}),
              calibration: { temperature: T, ece: rel.ece, nll: multi ? nll(logits, sets, L, 'sigmoid', T) : nll(logits, targets, L, 'softmax', T) },
            },
            timings: { encode_s: enc.seconds, cached: enc.cached, eval_s: evalSeconds },
            encoder: { name: encoder.info.name, hash: encoder.info.hash, ep: encoder.info.ep, tmax: encoder.tmax },
            adapter: adapterJson(gpu),
          };
          console.log(JSON.stringify(report));
        } else {
          console.log(printable(`${head.kind} head from ${peeked.path} on ${values.data}`));
          if (m.multiLabel) {
            for (const line of devSummary(m, ds.examples.length, L, null)) console.log(line.replace(/^dev /, ''));
            for (const line of perClassTable(meta.labels, m)) console.log(line);
          } else for (const line of metricsReport(meta.labels, m)) console.log(line);
          console.log(`balanced accuracy ${((m.balancedAccuracy ?? 0) * 100).toFixed(2)}%; ECE ${(rel.ece * 100).toFixed(2)}% at temperature ${T.toFixed(3)}`);
          console.log('');
          const encodeNote = readsTokenIds(head) ? 'no feature encode (token ids, encoder in WGSL)' : `encode ${enc.seconds.toFixed(1)} s (${enc.cached} cached, ${encoder.info.ep})`;
          console.log(`loss ${loss.toFixed(4)}; ${encodeNote}, eval ${evalSeconds.toFixed(2)} s`);
        }
      } finally {
        head.dispose();
      }
    });
  } finally {
    await encoder.dispose();
  }
}
