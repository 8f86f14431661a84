import { attr, type Value } from '../graph.js';
import { checkFloat, normAxis } from './check.js';

export function softmax(x: Value, axis = -1): Value {
  checkFloat('Softmax', 'input', x);
  return x.graph.addNode('Softmax', [x], { axis: attr.int(normAxis('Softmax', axis, x.rank)) }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export function logSoftmax(x: Value, axis = -1): Value {
  checkFloat('LogSoftmax', 'input', x);
  return x.graph.addNode('LogSoftmax', [x], { axis: attr.int(normAxis('LogSoftmax', axis, x.rank)) }, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}
