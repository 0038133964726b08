// Regenerates src/*.types.ts from their schemas (the one source of truth).
// A unit test fails when a committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

async function generate(schemaFile: string, rootName: string): Promise<string> {
  const schema = JSON.parse(readFileSync(new URL(`../schema/${schemaFile}`, import.meta.url), 'utf8'));
  return compile(schema, rootName, {
    bannerComment: `// Generated from schema/${schemaFile} by scripts/generate-types.ts. Do not edit.`,
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}

export function generateManifestTypes(): Promise<string> {
  return generate('manifest.schema.json', 'BundleManifest');
}

export function generateAdviceTypes(): Promise<string> {
  return generate('advice.schema.json', 'Advice');
}

export function generateRollbackStatementTypes(): Promise<string> {
  return generate('rollback-statement.schema.json', 'RollbackStatement');
}

export function generateNamesTypes(): Promise<string> {
  return generate('names.schema.json', 'ClassNames');
}

export function generateAdviceTranslationTypes(): Promise<string> {
  return generate('advice-translation.schema.json', 'AdviceTranslation');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(new URL('../src/manifest.types.ts', import.meta.url), await generateManifestTypes());
  writeFileSync(new URL('../src/advice.types.ts', import.meta.url), await generateAdviceTypes());
  writeFileSync(new URL('../src/rollback-statement.types.ts', import.meta.url), await generateRollbackStatementTypes());
  writeFileSync(new URL('../src/names.types.ts', import.meta.url), await generateNamesTypes());
  writeFileSync(new URL('../src/advice-translation.types.ts', import.meta.url), await generateAdviceTranslationTypes());
}
