// Runs a bundle's models on one input tensor, one session per ONNX file. A runtime (onnxruntime-web
// or -node) only supplies a session per file; grouping and checking live here once.
import { type BundleManifest, type ModelKind, modelGraphs } from '@leafcheck/bundle';

export type InputDims = readonly [number, number, number, number];
export type Logits = Partial<Record<ModelKind, Float32Array>>;

/** Raw logits of the models asked for, from one uint8 NHWC tensor. */
export interface ModelRunner {
  run(kinds: readonly ModelKind[], input: Uint8Array, dims: InputDims): Promise<Logits>;
}

export interface ReleasableRunner extends ModelRunner {
  release(): Promise<void>;
}

/** One runtime session over one ONNX file. */
export interface GraphSession {
  /** Runs the graph once and returns the named outputs as float32. */
  run(inputName: string, input: Uint8Array, dims: InputDims, outputNames: readonly string[]): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

export type OpenSession = (bytes: Uint8Array, file: string) => Promise<GraphSession>;

export async function createModelRunner(
  bundle: { manifest: BundleManifest; files: ReadonlyMap<string, Uint8Array> },
  openSession: OpenSession,
): Promise<ReleasableRunner> {
  const graphs = modelGraphs(bundle.manifest);
  const sessions: GraphSession[] = [];
  for (const g of graphs) {
    const bytes = bundle.files.get(g.file);
    if (!bytes) throw new Error(`${g.file} is missing from the verified bundle`);
    sessions.push(await openSession(bytes, g.file));
  }
  // One run at a time: onnxruntime-web refuses concurrent runs on a session, and queued
  // requests can still be cancelled before their turn.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run(kinds, input, dims) {
      const next = queue.then(async () => {
        const logits: Logits = {};
        for (const [i, g] of graphs.entries()) {
          const wanted = kinds.filter((k) => g.outputs[k] !== undefined);
          if (wanted.length === 0) continue;
          const names = wanted.map((k) => g.outputs[k] as string);
          const out = await (sessions[i] as GraphSession).run(g.inputName, input, dims, names);
          for (const k of wanted) {
            const t = out[g.outputs[k] as string];
            if (!t) throw new Error(`${g.file} gave no output "${g.outputs[k]}" for the ${k} model`);
            logits[k] = t;
          }
        }
        return logits;
      });
      queue = next.catch(() => undefined);
      return next;
    },
    async release() {
      await Promise.all(sessions.map((s) => s.release()));
    },
  };
}

/** The few calls this needs from onnxruntime-web or onnxruntime-node (their common API). */
export interface OrtBinding<TensorT> {
  createSession(bytes: Uint8Array): Promise<{
    run(feeds: Record<string, TensorT>, fetches: string[]): Promise<Record<string, { type: string; getData(): Promise<unknown> }>>;
    release(): Promise<void>;
  }>;
  uint8Tensor(data: Uint8Array, dims: number[]): TensorT;
}

/** Opens each ONNX file as an onnxruntime session (web or Node). */
export function ortSessions<TensorT>(ort: OrtBinding<TensorT>): OpenSession {
  return async (bytes, file) => {
    const session = await ort.createSession(bytes);
    return {
      async run(inputName, input, dims, outputNames) {
        const out = await session.run({ [inputName]: ort.uint8Tensor(input, [...dims]) }, [...outputNames]);
        const logits: Record<string, Float32Array> = {};
        for (const name of outputNames) {
          const t = out[name];
          if (t?.type !== 'float32') throw new Error(`${file} output "${name}" is missing or not float32`);
          // WebGPU tensors may live on the GPU: getData() downloads them; CPU tensors return at once.
          logits[name] = new Float32Array((await t.getData()) as Float32Array);
        }
        return logits;
      },
      release: () => session.release(),
    };
  };
}
