import { ONNX_DTYPE_CODE } from './dtype.js';
import type { Attr, ConstTensor, ExternalTensor, Graph, Node, Value } from './graph.js';
import { ProtoWriter } from './protobuf.js';

/** Field numbers from onnx/onnx.proto (IR version 8 ↔ opset 17). */
const IR_VERSION = 8;
export const OPSET = 17;

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function tensorProto(name: string, t: ConstTensor | ExternalTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.shape) w.int(1, d);
  w.int(2, ONNX_DTYPE_CODE[t.dtype]);
  w.string(8, name);
  if (t.kind === 'const') {
    w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  } else {
    const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v);
    w.message(13, entry('location', t.location));
    w.message(13, entry('offset', String(t.offset)));
    w.message(13, entry('length', String(t.length)));
    w.int(14, 1); // data_location = EXTERNAL
  }
  return w;
}

function attributeProto(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, tensorProto('', a.value));
      break;
    case 'floats':
      for (const f of a.value) w.float(7, f);
      break;
    case 'ints':
      for (const i of a.value) w.int(8, i);
      break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
  return w;
}

function valueInfo(v: Value): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, ONNX_DTYPE_CODE[v.dtype]).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** Serialises a builder graph to an ONNX ModelProto (standard `ai.onnx` ops, opset 17). */
export function serializeModel(graph: Graph, producer = 'soft-prompt-studio'): Uint8Array {
  const { nodes, used } = liveNodes(graph);
  const g = new ProtoWriter();
  for (const node of nodes) {
    const n = new ProtoWriter();
    for (const i of node.inputs) n.string(1, i ? i.name : '');
    for (const o of node.outputs) n.string(2, o.name);
    n.string(3, node.name).string(4, node.opType);
    for (const [k, a] of Object.entries(node.attrs)) n.message(5, attributeProto(k, a));
    g.message(1, n);
  }
  g.string(2, graph.name);
  for (const [name, { tensor }] of graph.initializers) if (used.has(name)) g.message(5, tensorProto(name, tensor));
  for (const v of graph.inputs) g.message(11, valueInfo(v));
  for (const v of graph.outputs) g.message(12, valueInfo(v));

  const m = new ProtoWriter();
  m.int(1, IR_VERSION);
  m.string(2, producer);
  m.message(7, g);
  m.message(8, new ProtoWriter().string(1, '').int(2, OPSET));
  return m.finish();
}

/**
 * Nodes that contribute to an output, in order, and the value names they use. Dead nodes and
 * unused initializers are dropped so a session never maps weights it does not need.
 */
export function liveNodes(graph: Graph): { nodes: Node[]; used: Set<string> } {
  const used = new Set<string>(graph.outputs.map((v) => v.name));
  const keep: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => used.has(o.name))) continue;
    keep.push(node);
    for (const inp of node.inputs) if (inp) used.add(inp.name);
  }
  return { nodes: keep.reverse(), used };
}
