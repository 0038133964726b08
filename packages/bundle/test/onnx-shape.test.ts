import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { readOnnxSignature } from '../src/onnx-shape.ts';
import { FIXTURES } from './fixtures.ts';

it('reads input and output shapes from a real ONNX file', () => {
  const sig = readOnnxSignature(readFileSync(join(FIXTURES, 'tiny-models', 'disease.onnx')));
  expect(sig.inputs).toEqual([{ name: 'image', elemType: 2, dims: ['batch', 32, 32, 3] }]);
  expect(sig.outputs).toEqual([{ name: 'logits', elemType: 1, dims: ['batch', 4] }]);
});

it('rejects bytes that are not a model', () => {
  expect(() => readOnnxSignature(new TextEncoder().encode('hello world, not protobuf'))).toThrow();
});
