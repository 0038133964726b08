import type { BundleManifest } from './manifest.types.ts';

export type ModelKind = 'species' | 'disease';

/** One ONNX file of a bundle and the model outputs it carries. */
export interface ModelGraph {
  file: string;
  inputName: string;
  /** Output name per model kind this file answers. */
  outputs: Partial<Record<ModelKind, string>>;
}

/**
 * The distinct ONNX files of a bundle. A bundle either has one file per model, or one graph with a
 * shared backbone and two outputs (species.file === disease.file), which runs the backbone once.
 */
export function modelGraphs(manifest: BundleManifest): ModelGraph[] {
  const graphs = new Map<string, ModelGraph>();
  for (const kind of ['species', 'disease'] as const) {
    const m = manifest.models[kind];
    const g = graphs.get(m.file) ?? { file: m.file, inputName: m.input.name, outputs: {} };
    g.outputs[kind] = m.output.name;
    graphs.set(m.file, g);
  }
  return [...graphs.values()];
}

/** True when one run of one graph answers both models. */
export function sharesOneGraph(manifest: BundleManifest): boolean {
  return manifest.models.species.file === manifest.models.disease.file;
}
