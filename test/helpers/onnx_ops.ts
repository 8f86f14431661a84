/**
 * Reads the op types of a serialised ONNX model (an optimised model onnxruntime wrote with
 * optimizedModelFilePath): a minimal protobuf walk, ModelProto.graph (7) → GraphProto.node (1)
 * → NodeProto.op_type (4) / domain (7).
 */

/** Reads a protobuf varint at `pos`; returns [value, next]. */
function varint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const x = b[pos++]!;
    v += (x & 0x7f) * 2 ** shift;
    if (x < 0x80) return [v, pos];
    shift += 7;
  }
}

/** The length-delimited fields `field` of a message. */
function fields(b: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < b.length) {
    const [key, p] = varint(b, pos);
    pos = p;
    const wire = key & 7;
    if (wire === 0) pos = varint(b, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = varint(b, pos);
      if (key >>> 3 === field) out.push(b.subarray(q, q + len));
      pos = q + len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

/** Op types (domain-qualified when not ai.onnx) of a serialised ModelProto's main graph. */
export function opCounts(model: Uint8Array): Map<string, number> {
  const graph = fields(model, 7)[0]!;
  const counts = new Map<string, number>();
  const text = (x: Uint8Array | undefined) => (x ? Buffer.from(x).toString('utf8') : '');
  for (const node of fields(graph, 1)) {
    const domain = text(fields(node, 7)[0]);
    const op = `${domain && domain !== 'ai.onnx' ? `${domain}.` : ''}${text(fields(node, 4)[0])}`;
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return counts;
}
