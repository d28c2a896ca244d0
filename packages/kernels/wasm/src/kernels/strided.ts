/**
 * Strided views for the WASM elementwise kernels: collapse a view's dims (drop size-1 dims, merge
 * neighbours that every operand walks contiguously) and write the parameter block
 * `[rank, shape..., strides of each operand..., rank scratch slots]` (assembly/elementwise.ts).
 */
import type { TensorInfo } from '@tessera/tensor';

export interface Collapsed {
  shape: number[];
  /** One stride list per operand. */
  strides: number[][];
}

/** Collapse `shape` walked by every operand's strides; rank-0 becomes [1]. */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const dims: number[] = [];
  const out: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => out[k]![last] === s[d]! * n)) {
      dims[last] = dims[last]! * n;
      strides.forEach((s, k) => (out[k]![last] = s[d]!));
    } else {
      dims.push(n);
      strides.forEach((s, k) => out[k]!.push(s[d]!));
    }
  }
  if (dims.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: dims, strides: out };
}

/** Write a collapsed view's parameter block at `address` (i32 slots). */
export function writeParams(i32: Int32Array, address: number, view: Collapsed): void {
  let at = address >> 2;
  i32[at++] = view.shape.length;
  for (const d of view.shape) i32[at++] = d;
  for (const s of view.strides) for (const v of s) i32[at++] = v;
}

/** Bytes of the parameter block for `rank` dims and `operands` stride lists (plus the odometer). */
export function paramBytes(rank: number, operands: number): number {
  return 4 * (1 + rank * (operands + 2));
}

/** Element i of `info` lives at byte address + 4 (offset + ...): the byte address of its element 0. */
export function elementAddress(base: number, info: TensorInfo): number {
  return base + info.offset * 4;
}
