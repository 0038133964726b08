/**
 * Reads the declared inputs and outputs of an ONNX model straight from its protobuf bytes,
 * so a bundle's label count can be checked before any runtime loads the model.
 * Only the few fields needed are decoded; weights are skipped without copying.
 */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** Each dimension's size, or its symbolic name (e.g. "batch"). */
  dims: (number | string)[];
}

export interface OnnxSignature {
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

type Field = { no: number; wire: number; value: number | Uint8Array };

function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++] as number;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      if (pos > buf.length) throw new Error('truncated fixed field');
      yield { no, wire, value: 0 };
    } else if (wire === 2) {
      const len = varint();
      if (pos + len > buf.length) throw new Error('truncated length-delimited field');
      yield { no, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

const sub = (f: Field): Uint8Array => f.value as Uint8Array;
const text = (f: Field): string => new TextDecoder().decode(sub(f));

function valueInfo(buf: Uint8Array): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', elemType: 0, dims: [] };
  for (const f of fields(buf)) {
    if (f.no === 1 && f.wire === 2) info.name = text(f);
    if (f.no !== 2 || f.wire !== 2) continue;
    for (const t of fields(sub(f))) {
      if (t.no !== 1 || t.wire !== 2) continue; // tensor_type
      for (const tt of fields(sub(t))) {
        if (tt.no === 1 && tt.wire === 0) info.elemType = tt.value as number;
        if (tt.no !== 2 || tt.wire !== 2) continue; // shape
        for (const d of fields(sub(tt))) {
          if (d.no !== 1 || d.wire !== 2) continue;
          let dim: number | string = '?';
          for (const dv of fields(sub(d))) {
            if (dv.no === 1 && dv.wire === 0) dim = dv.value as number;
            if (dv.no === 2 && dv.wire === 2) dim = text(dv);
          }
          info.dims.push(dim);
        }
      }
    }
  }
  return info;
}

export function readOnnxSignature(model: Uint8Array): OnnxSignature {
  const sig: OnnxSignature = { inputs: [], outputs: [] };
  let sawGraph = false;
  for (const f of fields(model)) {
    if (f.no !== 7 || f.wire !== 2) continue; // ModelProto.graph
    sawGraph = true;
    for (const g of fields(sub(f))) {
      if (g.wire !== 2) continue;
      if (g.no === 11) sig.inputs.push(valueInfo(sub(g)));
      if (g.no === 12) sig.outputs.push(valueInfo(sub(g)));
    }
  }
  if (!sawGraph) throw new Error('no graph in ONNX model');
  return sig;
}
