// openapi-typescript configuration for generated/typescript (run by scripts/regenerate):
//   node openapi/typescript.mjs OUT_DIR
// Writes OUT_DIR/flowscale.ts, the spec's types for openapi-fetch's createClient<paths>().
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

const SPEC = new URL('./flowscale.yaml', import.meta.url);
const BLOB = ts.factory.createTypeReferenceNode('Blob'); // a File is a Blob

const out = process.argv[2];
if (!out) throw new Error('usage: node openapi/typescript.mjs OUT_DIR');

const ast = await openapiTS(SPEC, {
  rootTypes: true, // `export type RunEventStatus = components["schemas"]["RunEventStatus"]`, ...
  rootTypesNoSchemaPrefix: true,
  // openapi-typescript types `format: binary` as string; a file part is a Blob (or File).
  transform(schemaObject) {
    if (schemaObject.format === 'binary') return BLOB;
    return undefined;
  },
  silent: true,
});
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, 'flowscale.ts'), astToString(ast));
console.log(`wrote ${path.relative(process.cwd(), path.join(out, 'flowscale.ts'))} from ${path.relative(process.cwd(), fileURLToPath(SPEC))}`);
