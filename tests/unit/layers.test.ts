// The layer check (scripts/check-layers.mjs) that `npm test` runs: the real src/ has no upward import and no
// file over 450 lines, and the check does catch an upward import, a private protocol import, a type-only one and
// a multi-line one in a small tree written for the purpose.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkLayers, longFiles } from '../../scripts/check-layers.mjs';

type Violation = { file: string; line: number; from: string; to: string; why: string };

const tmp = mkdtempSync(join(tmpdir(), 'layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmp, 'src-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('layer check', () => {
  it('finds no upward import and no file over 450 lines in src/', () => {
    const v = checkLayers('src') as Violation[];
    expect(v.map((x) => `${x.file}:${x.line} ${x.why}`)).toEqual([]);
    expect(longFiles('src')).toEqual([]);
  });

  it('catches an upward import, a type-only one, a multi-line one and a worker protocol import', () => {
    const root = tree({
      'heads/a.ts': "import { x } from '../store/x';\nexport const a = x;\n",
      'kernels/b.ts': "// a comment\nimport type { Y } from '../heads/a';\nexport type B = Y;\n",
      'gpu/c.ts': "import {\n  one,\n  two,\n} from '../train/t';\nexport const c = one + two;\n",
      'store/x.ts': "import type { P } from '../worker/protocol';\nimport { c } from '../gpu/c';\nexport const x: P = c;\n",
      'ui/u.ts': "import { x } from '../store/x';\nexport const u = x;\n",
      'train/t.ts': 'export const one = 1, two = 2;\n',
    });
    const v = checkLayers(root) as Violation[];
    expect(v.map((x) => [x.file, x.line, x.to])).toEqual(
      expect.arrayContaining([
        ['src/heads/a.ts', 1, 'store'],
        ['src/kernels/b.ts', 2, 'heads'],
        ['src/gpu/c.ts', 1, 'train'],
        ['src/store/x.ts', 1, 'worker'],
      ]),
    );
    expect(v).toHaveLength(4);
    expect(v.find((x) => x.file === 'src/store/x.ts')!.why).toMatch(/private to its folder/);
    expect(v.find((x) => x.file === 'src/heads/a.ts')!.why).toMatch(/heads\/ may not import store\//);
  });

  it('names a folder the table does not know, and a file over 450 lines', () => {
    const root = tree({ 'misc/m.ts': "import { u } from '../util/r';\nexport const m = u;\n", 'util/r.ts': `export const u = 1;\n${'//\n'.repeat(460)}` });
    expect((checkLayers(root) as Violation[]).map((x) => x.why)).toEqual([expect.stringMatching(/src\/misc is not in the layer table/)]);
    expect(longFiles(root)).toEqual([{ file: 'src/util/r.ts', lines: 462 }]);
  });
});
