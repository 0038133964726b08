import type { BundleManifest } from './manifest.types.ts';

export type ModelKind = 'species' | 'disease';

/** One ONNX file of a bundle that answers models, and the model outputs it carries. */
export interface ModelGraph {
  file: string;
  /** The name its input is fed under: the photo's, or (chained layout) the backbone's feature map. */
  inputName: string;
  /** True when it reads the backbone's output instead of the photo (chained layout). */
  readsBackbone: boolean;
  /** Output name per model kind this file answers. */
  outputs: Partial<Record<ModelKind, string>>;
}

/** The backbone of a chained bundle: the photo in, a feature map out. */
export interface BackboneGraph {
  file: string;
  inputName: string;
  outputName: string;
}

/**
 * The distinct ONNX files of a bundle that answer models. A bundle has one file per model, or one graph with a
 * shared backbone and two outputs (species.file === disease.file), or a backbone file chained into a heads file.
 */
export function modelGraphs(manifest: BundleManifest): ModelGraph[] {
  const backbone = backboneGraph(manifest);
  const graphs = new Map<string, ModelGraph>();
  for (const kind of ['species', 'disease'] as const) {
    const m = manifest.models[kind];
    const g = graphs.get(m.file) ?? {
      file: m.file,
      inputName: backbone ? backbone.outputName : m.input.name,
      readsBackbone: backbone !== null,
      outputs: {},
    };
    g.outputs[kind] = m.output.name;
    graphs.set(m.file, g);
  }
  return [...graphs.values()];
}

export function backboneGraph(manifest: BundleManifest): BackboneGraph | null {
  const b = manifest.models.backbone;
  return b ? { file: b.file, inputName: b.input.name, outputName: b.output.name } : null;
}

/** True when one run answers both models (one shared graph, or one heads file after the backbone). */
export function sharesOneGraph(manifest: BundleManifest): boolean {
  return manifest.models.species.file === manifest.models.disease.file;
}
