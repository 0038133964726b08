// Runs a bundle's models on one input tensor, one session per ONNX file. A runtime (onnxruntime-web
// or -node) only supplies a session per file; grouping, chaining and checking live here once.
import { type BundleManifest, backboneGraph, type ModelKind, modelGraphs } from '@leafcheck/bundle';

export type InputDims = readonly [number, number, number, number];
export type Logits = Partial<Record<ModelKind, Float32Array>> & {
  /** The disease model's class activation maps (NCHW), when asked for and the bundle has them. */
  diseaseCam?: Output;
};

export interface RunOptions {
  /** Also fetch the disease model's class activation maps (`models.disease.cam`); off costs nothing. */
  cam?: boolean;
}

/** Raw logits of the models asked for, from one uint8 NHWC tensor. */
export interface ModelRunner {
  run(kinds: readonly ModelKind[], input: Uint8Array, dims: InputDims, options?: RunOptions): Promise<Logits>;
}

export interface ReleasableRunner extends ModelRunner {
  release(): Promise<void>;
}

/** A tensor fed to a graph: the photo (uint8 NHWC) or a backbone's feature map (float32 NCHW). */
export interface Feed {
  data: Uint8Array | Float32Array;
  dims: readonly number[];
}

/** A float32 output with its shape (the shape matters when it feeds the next graph of a chain). */
export interface Output {
  data: Float32Array;
  dims: readonly number[];
}

/** One runtime session over one ONNX file. */
export interface GraphSession {
  /** Runs the graph once on the named feed and returns the named outputs as float32. */
  run(inputName: string, feed: Feed, outputNames: readonly string[]): Promise<Record<string, Output>>;
  release(): Promise<void>;
}

export type OpenSession = (bytes: Uint8Array, file: string) => Promise<GraphSession>;

async function open(files: ReadonlyMap<string, Uint8Array>, file: string, openSession: OpenSession): Promise<GraphSession> {
  const bytes = files.get(file);
  if (!bytes) throw new Error(`${file} is missing from the verified bundle`);
  return openSession(bytes, file);
}

export async function createModelRunner(
  bundle: { manifest: BundleManifest; files: ReadonlyMap<string, Uint8Array> },
  openSession: OpenSession,
): Promise<ReleasableRunner> {
  const graphs = modelGraphs(bundle.manifest);
  const chain = backboneGraph(bundle.manifest);
  const camName = bundle.manifest.models.disease.cam?.name;
  const sessions: GraphSession[] = [];
  // Chained layout: the backbone runs once per photo and its feature map feeds the heads file.
  const backbone = chain ? await open(bundle.files, chain.file, openSession) : null;
  for (const g of graphs) sessions.push(await open(bundle.files, g.file, openSession));
  // One run at a time: onnxruntime-web refuses concurrent runs on a session, and queued
  // requests can still be cancelled before their turn.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(kinds, input, dims, options = {}) {
      const next = queue.then(async () => {
        const logits: Logits = {};
        const photo: Feed = { data: input, dims };
        let features: Feed | undefined;
        for (const [i, g] of graphs.entries()) {
          const wanted = kinds.filter((k) => g.outputs[k] !== undefined);
          if (wanted.length === 0) continue;
          if (g.readsBackbone && !features && chain && backbone) {
            const out = (await backbone.run(chain.inputName, photo, [chain.outputName]))[chain.outputName];
            if (!out) throw new Error(`${chain.file} gave no output "${chain.outputName}" for the heads`);
            features = out;
          }
          const names = wanted.map((k) => g.outputs[k] as string);
          const cam = options.cam && wanted.includes('disease') ? camName : undefined;
          if (cam) names.push(cam);
          const out = await (sessions[i] as GraphSession).run(g.inputName, g.readsBackbone ? (features as Feed) : photo, names);
          for (const k of wanted) {
            const t = out[g.outputs[k] as string];
            if (!t) throw new Error(`${g.file} gave no output "${g.outputs[k]}" for the ${k} model`);
            logits[k] = t.data;
          }
          if (cam) {
            const maps = out[cam];
            if (!maps) throw new Error(`${g.file} gave no output "${cam}" for the disease heatmap`);
            logits.diseaseCam = maps;
          }
        }
        return logits;
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      await Promise.all([...sessions, ...(backbone ? [backbone] : [])].map((s) => s.release()));
    },
  };
}

/**
 * onnxruntime session config entries (`extra.session`) every runtime sets; the trainer sets the same in Python
 * (trainer/onnx_session.py, `session.disable_quant_qdq`). With QDQ handling off, constant folding turns the int8 weights'
 * DequantizeLinear nodes into float weights once, at load, instead of on every run (bundle 2.2.0 natively: 17.6 ->
 * 9.8 ms, same answers; the last line of `npm run bench:inference`), and every runtime computes the graph's exact float arithmetic
 * instead of fused int8 kernels that round differently per CPU.
 */
export const ORT_SESSION_CONFIG = { disable_quant_qdq: '1' } as const;

/** The few calls this needs from onnxruntime-web or onnxruntime-node (their common API). */
export interface OrtBinding<TensorT> {
  createSession(bytes: Uint8Array): Promise<{
    run(
      feeds: Record<string, TensorT>,
      fetches: string[],
    ): Promise<Record<string, { type: string; dims: readonly number[]; getData(): Promise<unknown> }>>;
    release(): Promise<void>;
  }>;
  /** A uint8 or float32 tensor, as onnxruntime's Tensor(data, dims) makes from the typed array. */
  tensor(data: Uint8Array | Float32Array, dims: number[]): TensorT;
}

/** Opens each ONNX file as an onnxruntime session (web or Node). */
export function ortSessions<TensorT>(ort: OrtBinding<TensorT>): OpenSession {
  return async (bytes, file) => {
    const session = await ort.createSession(bytes);
    return {
      async run(inputName, feed, outputNames) {
        const out = await session.run({ [inputName]: ort.tensor(feed.data, [...feed.dims]) }, [...outputNames]);
        const outputs: Record<string, Output> = {};
        for (const name of outputNames) {
          const t = out[name];
          if (t?.type !== 'float32') throw new Error(`${file} output "${name}" is missing or not float32`);
          // WebGPU tensors may live on the GPU: getData() downloads them; CPU tensors return at once.
          outputs[name] = { data: new Float32Array((await t.getData()) as Float32Array), dims: [...t.dims] };
        }
        return outputs;
      },
      release: () => session.release(),
    };
  };
}
