/**
 * Index helpers for strided views on the host. A view is (shape, strides, offset); these
 * enumerate the memory offsets of its elements in row-major order.
 */
import type { TensorInfo } from '../../backend.js';
import { isContiguous } from '../../shape.js';

/** Offsets of every element of a (shape, strides, offset) view, row-major. */
export function offsetsOf(shape: readonly number[], strides: readonly number[], offset: number): Int32Array {
  let size = 1;
  for (const d of shape) size *= d;
  const out = new Int32Array(size);
  if (size === 0) return out;
  const rank = shape.length;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const inner = shape[rank - 1]!;
  const innerStride = strides[rank - 1]!;
  const index = new Array<number>(rank).fill(0);
  let base = offset;
  for (let i = 0; i < size; i += inner) {
    for (let j = 0; j < inner; j++) out[i + j] = base + j * innerStride;
    // Advance the outer index (dims 0..rank-2) like an odometer.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]!++;
      base += strides[d]!;
      if (index[d]! < shape[d]!) break;
      base -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** Element offsets of a kernel input, or null when it is contiguous (element i at offset + i). */
export function stridedOffsets(info: TensorInfo): Int32Array | null {
  return isContiguous(info.shape, info.strides) ? null : offsetsOf(info.shape, info.strides, info.offset);
}
