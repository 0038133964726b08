// Regenerates src/manifest.types.ts from schema/manifest.schema.json (the one source of truth).
// A unit test fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

const schemaPath = new URL('../schema/manifest.schema.json', import.meta.url);
const outPath = new URL('../src/manifest.types.ts', import.meta.url);

export async function generateManifestTypes(): Promise<string> {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  return compile(schema, 'BundleManifest', {
    bannerComment: '// Generated from schema/manifest.schema.json by scripts/generate-types.ts. Do not edit.',
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(outPath, await generateManifestTypes());
}
