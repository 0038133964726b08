import { type BundleManifest, type ModelKind, sharesOneGraph } from '@leafcheck/bundle';
import { type AdviceBook, lookupAdvice, parseAdvice } from './advice.ts';
import { calibratedSoftmax, pick } from './calibrate.ts';
import { argmax, countAgreeing, meanProbabilities } from './combine.ts';
import { decide, ranked, readCrop } from './decide.ts';
import { DiagnosisError, throwIfAborted } from './errors.ts';
import { readExifOrientation } from './exif.ts';
import { heatmapOf } from './heatmap.ts';
import { toRgb } from './image.ts';
import { checkPhotoBytes, checkPhotoDimensions, MAX_PHOTO_BYTES } from './limits.ts';
import type { Logits, ModelRunner, Output } from './model-runner.ts';
import { applyOrientation } from './orient.ts';
import type { ImageDecoder } from './platform.ts';
import { centerCropResize } from './resize.ts';
import { readImageHeader } from './sniff.ts';
import type { Diagnosis } from './types.ts';

export interface PipelineOptions {
  /** Largest accepted file, bytes (a phone JPEG is 2-12 MB). */
  maxBytes?: number;
}

export interface DiagnoseRequest {
  crop?: string;
  signal?: AbortSignal;
  /** Also say where the model looked (Diagnosis.heatmap), from the bundle's class activation maps. */
  heatmap?: boolean;
}

export const DEFAULT_MAX_BYTES = MAX_PHOTO_BYTES;

type Tensor = { data: Uint8Array; dims: [number, number, number, number] };
type Stages = { decode: number; preprocess: number; models: number };

/**
 * The one composition of the steps, shared by the Web Worker and the CLI:
 * header -> decode -> RGB -> EXIF upright -> centre crop + resize -> species -> crop ->
 * disease within crop -> calibrate -> combine photos -> decide -> advice.
 */
export function createPipeline(
  bundle: { manifest: BundleManifest; files: ReadonlyMap<string, Uint8Array> },
  runner: ModelRunner,
  decoder: ImageDecoder,
  options: PipelineOptions = {},
) {
  const { manifest } = bundle;
  const { species, disease } = manifest.models;
  const crops = manifest.taxonomy.crops;
  const notALeafIndex = species.output.labels.indexOf(manifest.taxonomy.notALeaf);
  const advice: AdviceBook = parseAdvice(bundle.files.get('advice.json'));
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const firstRun: readonly ModelKind[] = sharesOneGraph(manifest) ? ['species', 'disease'] : ['species'];
  const minShortSide = 2 * Math.max(species.input.height, species.input.width, disease.input.height, disease.input.width);

  /** Steps up to the model inputs, one photo. */
  async function prepare(photo: Uint8Array, signal?: AbortSignal, stages?: Stages): Promise<Record<ModelKind, Tensor>> {
    const t0 = performance.now();
    checkPhotoBytes(photo.byteLength, maxBytes);
    const header = readImageHeader(photo);
    checkPhotoDimensions(header, decoder.maxPixels);
    const raw = await decoder.decode(photo, { header, minShortSide });
    const t1 = performance.now();
    throwIfAborted(signal);
    const orientation = !decoder.appliesExifOrientation && header.format === 'jpeg' ? readExifOrientation(photo) : 1;
    const upright = applyOrientation(toRgb(raw), orientation);
    const tensors = {} as Record<ModelKind, Tensor>;
    for (const [kind, m] of [
      ['species', species],
      ['disease', disease],
    ] as const) {
      const same = kind === 'disease' && m.input.height === species.input.height && m.input.width === species.input.width;
      tensors[kind] = same
        ? tensors.species
        : { data: centerCropResize(upright, m.input.width, m.input.height).data, dims: [1, m.input.height, m.input.width, 3] };
    }
    if (stages) {
      stages.decode += t1 - t0;
      stages.preprocess += performance.now() - t1;
    }
    return tensors;
  }

  /** Runs the models asked for on one tensor and checks each answer's width. */
  async function runModels(kinds: readonly ModelKind[], t: Tensor, signal: AbortSignal | undefined, stages: Stages, cam = false) {
    throwIfAborted(signal);
    const t0 = performance.now();
    let logits: Logits;
    try {
      logits = await runner.run(kinds, t.data, t.dims, cam ? { cam } : {});
      stages.models += performance.now() - t0;
    } catch (err) {
      if (err instanceof DiagnosisError) throw err;
      throw new DiagnosisError('MODEL_FAILED', `the ${kinds.join(' and ')} model failed: ${(err as Error).message}`);
    }
    for (const kind of kinds) {
      const expected = manifest.models[kind].output.labels.length;
      const got = logits[kind]?.length ?? 0;
      if (got !== expected) throw new DiagnosisError('MODEL_FAILED', `the ${kind} model gave ${got} outputs, expected ${expected}`);
    }
    return logits;
  }

  async function diagnose(photos: readonly Uint8Array[], request: DiagnoseRequest = {}): Promise<Diagnosis> {
    const started = performance.now();
    const stagesMs: Stages = { decode: 0, preprocess: 0, models: 0 };
    const { signal } = request;
    if (photos.length === 0) throw new DiagnosisError('IMAGE_UNREADABLE', 'no photo given');
    const inputs: Record<ModelKind, Tensor>[] = [];
    const speciesProbs: Float64Array[] = [];
    // With one shared graph, the disease logits come with the species run at no extra cost.
    const diseaseLogits: (Float32Array | undefined)[] = [];
    // The heatmap is read from the first leaf photo: the one the farmer sees on the result screen.
    const wantCam = request.heatmap === true && disease.cam !== undefined;
    let cam: Output | undefined;
    for (const photo of photos) {
      throwIfAborted(signal);
      const t = await prepare(photo, signal, stagesMs);
      inputs.push(t);
      const logits = await runModels(firstRun, t.species, signal, stagesMs, wantCam && cam === undefined);
      speciesProbs.push(calibratedSoftmax(logits.species as Float32Array, species.temperature));
      diseaseLogits.push(logits.disease);
      const leaf = (speciesProbs.at(-1)?.[notALeafIndex] as number) < manifest.thresholds.notALeaf;
      if (leaf && cam === undefined) cam = logits.diseaseCam;
    }
    const base = {
      photos: { total: photos.length, agreeing: 0 },
      ...(request.crop !== undefined ? { chosenCrop: request.crop } : {}),
      bundleVersion: manifest.bundleVersion,
    };
    const isLeaf = speciesProbs.map((p) => (p[notALeafIndex] as number) < manifest.thresholds.notALeaf);
    if (!isLeaf.some(Boolean)) {
      const all = meanProbabilities(speciesProbs);
      return {
        ...base,
        kind: 'not-sure',
        reason: 'not-a-leaf',
        photos: { total: photos.length, agreeing: photos.length },
        crops: ranked(species.output.labels, all),
        alternatives: [],
        advice: lookupAdvice(advice, manifest.taxonomy.notALeaf),
        elapsedMs: performance.now() - started,
        stagesMs,
      };
    }
    // Photos without a leaf say nothing about the disease: combine only the leaf photos.
    const speciesMean = meanProbabilities(speciesProbs.filter((_, i) => isLeaf[i]));
    const cropsRanked = ranked(species.output.labels, speciesMean);
    const crop = readCrop(cropsRanked, crops, request.crop);
    const cropDiseases = crops[crop.crop] ?? [];
    const indices = cropDiseases.map((d) => disease.output.labels.indexOf(d));
    const diseaseProbs: Float64Array[] = [];
    for (const [i, t] of inputs.entries()) {
      if (!isLeaf[i]) continue;
      let logits = diseaseLogits[i];
      if (!logits) {
        const out = await runModels(['disease'], t.disease, signal, stagesMs, wantCam && cam === undefined);
        logits = out.disease as Float32Array;
        cam ??= out.diseaseCam;
      }
      // Softmax over the crop's own classes only: the disease read "within the crop".
      diseaseProbs.push(calibratedSoftmax(pick(logits, indices), disease.temperature));
    }
    const diseaseMean = meanProbabilities(diseaseProbs);
    const alternatives = ranked(cropDiseases, diseaseMean).slice(0, 3);
    const best = argmax(diseaseMean);
    const top = alternatives[0];
    const decision = decide(speciesMean[notALeafIndex] as number, crop, alternatives, manifest.thresholds);
    const common = {
      ...base,
      photos: { total: photos.length, agreeing: countAgreeing(diseaseProbs, best) },
      crops: cropsRanked,
      alternatives,
      crop: crop.crop,
      disease: top?.label as string,
      probability: top?.probability as number,
      advice: lookupAdvice(advice, top?.label),
      ...(cam && top ? { heatmap: heatmapOf(cam.data, cam.dims, disease.output.labels.indexOf(top.label), top.label) } : {}),
      elapsedMs: performance.now() - started,
      stagesMs,
    };
    return decision.kind === 'diagnosis' ? { ...common, kind: 'diagnosis' } : { ...common, kind: 'not-sure', reason: decision.reason };
  }

  return { manifest, diagnose, prepare };
}

export type Pipeline = ReturnType<typeof createPipeline>;
