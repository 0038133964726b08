// Writes fixtures/signed-by-ts: the Python fixture's files with one model file per model (the tiny
// species.onnx and disease.onnx, where the Python fixture has one shared graph), signed here with a
// throwaway key, so the Python tests can prove they verify what TypeScript signs and both layouts stay tested. Run: npx tsx packages/bundle/scripts/make-ts-fixture.ts
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeSignedBundle } from '../src/node.ts';
import { generateKeyPair } from '../src/signature.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const from = `${fixtures}signed-by-python/`;
const to = `${fixtures}signed-by-ts/`;
mkdirSync(to, { recursive: true });
for (const f of ['species.onnx', 'disease.onnx']) copyFileSync(`${fixtures}tiny-models/${f}`, to + f);
for (const f of ['advice.json', 'model-card.md']) copyFileSync(from + f, to + f);
const manifest = JSON.parse(readFileSync(`${from}manifest.json`, 'utf8'));
for (const kind of ['species', 'disease']) {
  manifest.models[kind].file = `${kind}.onnx`;
  manifest.models[kind].output.name = 'logits';
}
manifest.bundleVersion = '0.0.2-ts-fixture';
manifest.metrics = { 'disease.top1': 0.25, big: 1e21, small: 3.14159e-5 };
const key = generateKeyPair(); // throwaway: only the public half is kept
await writeSignedBundle(to, manifest, key.privateKeyHex);
writeFileSync(`${fixtures}signed-by-ts.key.json`, `${JSON.stringify({ keyId: key.keyId, publicKeyHex: key.publicKeyHex }, null, 2)}\n`);
