// `labeltune encode --data FILE`: fill the on-disk feature cache for a dataset (so later train/eval runs encode
// nothing). Design decision: it reads the file exactly as train does (same columns, same text pairs), so the
// cache keys it writes are the ones train will look up.
import { parseArgs } from 'node:util';
import { countFlag, readDataset, UsageError } from './args';
import { encodeInputs, openEncoder } from './encoding';

export const ENCODE_USAGE = `  labeltune encode --data FILE [--text COL] [--text-pair COL] [--label COL] [--model default|DIR] [--tmax N] [--json]`;

export async function encodeCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      model: { type: 'string', default: 'default' },
      tmax: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.data) throw new UsageError('encode needs --data FILE');
  const json = values.json!;
  const tmax = countFlag('tmax', values.tmax);
  const ds = readDataset(values.data, { text: values.text, textPair: values['text-pair'], label: values.label });
  const session = await openEncoder({ model: values.model!, tmax, cache: true });
  const { encoder } = session;
  try {
    const r = await encodeInputs(session, ds.examples, 'encode', json, (i) => `line ${ds.examples[i].line} of ${values.data}`);
    await session.cache?.close();
    const out = { command: 'encode', data: values.data, texts: ds.examples.length, cached: r.cached, encoded: ds.examples.length - r.cached, seconds: r.seconds, encoder: { name: encoder.info.name, ep: encoder.info.ep } };
    console.log(json ? JSON.stringify(out) : `encoded ${out.encoded} texts, ${out.cached} from the feature cache, in ${r.seconds.toFixed(1)} s`);
  } finally {
    await encoder.dispose();
  }
}
