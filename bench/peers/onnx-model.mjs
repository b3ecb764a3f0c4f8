// Tiny ONNX models written in code (a protobuf encoder of the few fields a
// one-node graph needs): MatMul of two inputs, Conv with its weight as an
// initializer. Field numbers from onnx.proto (ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto).

function varint(n) {
  const out = [];
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
const bytes = (s) => [...new TextEncoder().encode(s)];
/** A length-delimited field. */
const ld = (field, payload) => [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
/** A varint field. */
const vi = (field, n) => [...varint(field << 3), ...varint(n)];
const str = (field, s) => ld(field, bytes(s));

const FLOAT = 1;
/** ValueInfoProto of a float tensor: name, type { tensor_type { elem_type, shape { dim { dim_value } } } }. */
const valueInfo = (name, shape) => [...str(1, name), ...ld(2, ld(1, [...vi(1, FLOAT), ...ld(2, shape.flatMap((d) => ld(1, vi(1, d))))]))];
/** TensorProto initializer: dims, data_type, name, raw_data. */
const initializer = (name, shape, data) => [...shape.flatMap((d) => vi(1, d)), ...vi(2, FLOAT), ...str(8, name), ...ld(9, [...new Uint8Array(data.buffer, data.byteOffset, data.byteLength)])];
/** AttributeProto with a list of ints (type INTS = 7). */
const intsAttr = (name, values) => [...str(1, name), ...values.flatMap((v) => vi(8, v)), ...vi(20, 7)];

/** ModelProto: ir_version 8, opset 13, one graph. */
function model({ node, inputs, outputs, inits = [] }) {
  const graph = [
    ...ld(1, node), ...str(2, 'g'),
    ...inits.flatMap((t) => ld(5, t)),
    ...inputs.flatMap((v) => ld(11, v)),
    ...outputs.flatMap((v) => ld(12, v)),
  ];
  return new Uint8Array([...vi(1, 8), ...ld(8, [...str(1, ''), ...vi(2, 13)]), ...ld(7, graph)]);
}

/** C = A B for A [m, k], B [k, n] (both inputs). */
export function matmulModel(m, k, n) {
  const node = [...str(1, 'A'), ...str(1, 'B'), ...str(2, 'C'), ...str(4, 'MatMul')];
  return model({ node, inputs: [valueInfo('A', [m, k]), valueInfo('B', [k, n])], outputs: [valueInfo('C', [m, n])] });
}

/** Y = conv(X, W) for X [n, c, h, w], W [o, c, kh, kw] an initializer, stride 1, `pad` on every side. */
export function convModel([n, c, h, w], weight, [o, , kh, kw], pad) {
  const node = [...str(1, 'X'), ...str(1, 'W'), ...str(2, 'Y'), ...str(4, 'Conv'), ...ld(5, intsAttr('pads', [pad, pad, pad, pad])), ...ld(5, intsAttr('kernel_shape', [kh, kw]))];
  const oh = h + 2 * pad - kh + 1, ow = w + 2 * pad - kw + 1;
  return model({ node, inputs: [valueInfo('X', [n, c, h, w])], outputs: [valueInfo('Y', [n, o, oh, ow])], inits: [initializer('W', [o, c, kh, kw], weight)] });
}
