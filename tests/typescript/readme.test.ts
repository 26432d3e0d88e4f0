// The README's TypeScript recipe type-checks (tsc --strict) against the generated types, so the
// documentation cannot drift from the spec.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import ts from 'typescript';

import { ROOT } from './localServer';

test("the README's TypeScript recipe compiles under --strict", () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  assert.equal(blocks.length, 1, 'one TypeScript block in README.md');
  const lines = (blocks[0] ?? '').split('\n');
  const types = path.join(ROOT, 'generated', 'typescript', 'flowscale');
  const imports = lines
    .filter((line) => line.startsWith('import '))
    .map((line) => line.replace("'./flowscale'", JSON.stringify(types)));
  const body = lines.filter((line) => !line.startsWith('import '));
  // The recipe uses top-level await: check it as the body of an async function.
  const source = `${imports.join('\n')}\nexport async function recipe(): Promise<void> {\n${body.join('\n')}\n}\n`;
  const dir = mkdtempSync(path.join(tmpdir(), 'flowscale-readme-'));
  try {
    const file = path.join(dir, 'recipe.ts');
    writeFileSync(file, source);
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT,
      paths: { 'openapi-fetch': [path.join(ROOT, 'node_modules', 'openapi-fetch')] },
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
