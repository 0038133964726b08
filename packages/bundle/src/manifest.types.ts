// Generated from schema/manifest.schema.json by scripts/generate-types.ts. Do not edit.

export type FileName = string;
export type Sha256 = string;
export type DiseaseLabel = string;
export type Probability = number;

/**
 * manifest.json of a Leafcheck model bundle. The single source of truth for TypeScript and Python.
 */
export interface BundleManifest {
  /**
   * Version of this manifest format; readers refuse versions they do not know.
   */
  formatVersion: 1;
  bundleVersion: string;
  createdAt: string;
  /**
   * The species and disease models, in one of three layouts: one file per model; one ONNX graph with a shared backbone and two outputs (both models name the same file: same sha256, bytes and input, different output names); or a backbone file and a heads file chained by the runner (`backbone` present: both models name the heads file, which reads the backbone's output by its name). In the chained layout each model's `input` is the photo the chain reads, the same as the backbone's, and both files are content-addressed (`<name>-<first 16 hex digits of sha256>.onnx`), so a phone that holds a file under that name holds its bytes.
   */
  models: {
    backbone?: Backbone;
    species: Model;
    disease: Model;
  };
  /**
   * Every non-model file of the bundle with its size and hash (advice.json, model-card.md, ...).
   */
  files: {
    [k: string]: FileRef;
  };
  taxonomy: {
    /**
     * Crop name -> its disease classes, PlantVillage style Crop___Disease.
     */
    crops: {
      /**
       * @minItems 1
       */
      [k: string]: DiseaseLabel[];
    };
    /**
     * The species label meaning 'no leaf in this photo'.
     */
    notALeaf: string;
  };
  thresholds: {
    /**
     * Not-a-leaf probability at or above which the photo is rejected.
     */
    notALeaf: number;
    /**
     * Minimum top crop probability when the farmer did not choose the crop.
     */
    crop: number;
    /**
     * Minimum top disease probability for a diagnosis.
     */
    disease: number;
    /**
     * Minimum gap between the top two diseases.
     */
    margin: number;
  };
  /**
   * Held-out metrics, e.g. {"disease.top1.plantvillage": 0.98}.
   */
  metrics: {
    [k: string]: number;
  };
  provenance: {
    dataSources: {
      name: string;
      licence: string;
      url?: string;
      images?: number;
    }[];
    baseWeights: string;
    codeCommit: string;
    command: string;
    runId: string;
  };
  /**
   * Fixed images with the answers the models gave when the bundle was made: a phone loads a new bundle, runs these and refuses it unless every top class matches and its probability is within the tolerance. The images are made by the generator named in `images` (the same in TypeScript and Python: packages/diagnosis/src/self-test.ts, trainer/bundle/self_test.py).
   */
  selfTest?: {
    images: 'leafcheck-selftest-1';
    tolerance: Probability;
    /**
     * @minItems 1
     * @maxItems 16
     */
    cases: {
      species: ExpectedTop;
      disease: ExpectedTop;
    }[];
  };
  /**
   * Ed25519 over the canonical JSON of this manifest without this field.
   */
  signature?: {
    algorithm: 'Ed25519';
    keyId: string;
    value: string;
  };
}
/**
 * The shared feature extractor of a chained bundle: photo in, the last feature map out (before pooling), which the heads file pools and classifies.
 */
export interface Backbone {
  file: FileName;
  sha256: Sha256;
  bytes: number;
  input: ImageInput;
  output: {
    /**
     * The feature map's output name; the heads file's input has the same name.
     */
    name: string;
    /**
     * Batch, channels, height, width.
     */
    layout: 'NCHW';
    dtype: 'float32';
  };
}
export interface ImageInput {
  name: string;
  /**
   * Batch, height, width, RGB channels.
   */
  layout: 'NHWC';
  /**
   * Raw RGB 0-255; normalisation lives inside the graph.
   */
  dtype: 'uint8';
  height: number;
  width: number;
  /**
   * Centre square crop of the oriented photo, then bilinear resize.
   */
  resize: 'center-crop-bilinear';
}
export interface Model {
  file: FileName;
  sha256: Sha256;
  bytes: number;
  input: ImageInput;
  output: {
    name: string;
    /**
     * @minItems 2
     */
    labels: string[];
  };
  temperature: number;
  /**
   * Optional class activation maps from the same file: one map per output label (NCHW: 1, labels, height, width), the head's weights applied at every cell of the last feature map, so a label's logit is the mean of its map plus a bias. The app asks for it only when it shows where the model looked.
   */
  cam?: {
    name: string;
    height: number;
    width: number;
  };
}
export interface FileRef {
  sha256: Sha256;
  bytes: number;
}
export interface ExpectedTop {
  label: string;
  probability: Probability;
}
