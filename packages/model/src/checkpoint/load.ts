/**
 * Matching a checkpoint's tensors to the parameters a config describes, and reading them into
 * tensors one at a time. Browser-safe: works on any {@link TensorSource}.
 *
 * Rules: a Composer `model.` prefix is stripped; `lm_head.weight` is ignored when embeddings are
 * tied (native `transformers` saves a duplicate); missing, unexpected and mis-shaped tensors are
 * all reported together by name and shape. The file's dtype governs what is read (F32, F16, BF16,
 * F64); `dtype` chooses what the parameters are stored as ('auto' keeps the file's).
 */
import { tensor, type DType, type Tensor } from '@tessera/tensor';
import { CheckpointFormatError, CheckpointMismatchError, type TensorMismatch } from '../errors.js';
import type { ParameterSpec } from '../model/parameters.js';
import type { SafetensorsEntry, TensorSource } from './safetensors.js';
import { decodeFloats, tensorDTypeOf, type WeightDType } from './tensor-bytes.js';

/** What parameters are stored as after loading: a float dtype, or 'auto' for the file's own. */
export type LoadDType = 'auto' | 'float32' | 'float16' | 'bfloat16';

/** A located tensor: its source and header entry. */
export interface LocatedTensor {
  readonly source: TensorSource;
  readonly entry: SafetensorsEntry;
}

/**
 * Index the tensors of several sources by parameter name (strips a `model.` prefix).
 *
 * @example
 * ```ts
 * const located = locateTensors([await openSafetensorsFile(path)]);
 * ```
 */
export function locateTensors(sources: readonly TensorSource[]): Map<string, LocatedTensor> {
  const all: [string, LocatedTensor][] = [];
  for (const source of sources) for (const [name, entry] of source.header.entries) all.push([name, { source, entry }]);
  const prefixed = all.length > 0 && all.every(([name]) => name.startsWith('model.'));
  const out = new Map<string, LocatedTensor>();
  for (const [name, located] of all) {
    const key = prefixed ? name.slice('model.'.length) : name;
    const previous = out.get(key);
    if (previous) throw new CheckpointFormatError(located.source.file, `tensor also stored in ${previous.source.file}`, name, located.entry.shape);
    out.set(key, located);
  }
  return out;
}

/**
 * Check the located tensors against the expected parameters; throws CheckpointMismatchError.
 *
 * @example
 * ```ts
 * matchParameters(parameterSpecs(config), located, config.tieWordEmbeddings);
 * ```
 */
export function matchParameters(specs: readonly ParameterSpec[], located: ReadonlyMap<string, LocatedTensor>, tied: boolean): void {
  const expected = new Map(specs.map((s) => [s.name, s]));
  const missing: TensorMismatch[] = [];
  const unexpected: TensorMismatch[] = [];
  const misshaped: TensorMismatch[] = [];
  for (const spec of specs) {
    const found = located.get(spec.name);
    if (!found) missing.push({ name: spec.name, expected: spec.shape });
    else if (found.entry.shape.join() !== spec.shape.join()) misshaped.push({ name: spec.name, expected: spec.shape, found: found.entry.shape });
  }
  for (const [name, { entry }] of located) {
    if (!expected.has(name) && !(tied && name === 'lm_head.weight')) unexpected.push({ name, found: entry.shape });
  }
  if (missing.length || unexpected.length || misshaped.length) throw new CheckpointMismatchError(missing, unexpected, misshaped);
}

const READABLE = new Set(['F32', 'F16', 'BF16', 'F64']);

/**
 * Read one parameter into a tensor of the requested dtype. Returns the file's dtype too (saving
 * writes it back in that dtype, so a round trip is byte-stable).
 *
 * @example
 * ```ts
 * const { tensor, fileDType } = await readParameter(located.get('transformer.wte.weight')!, 'auto');
 * ```
 */
export async function readParameter(located: LocatedTensor, dtype: LoadDType): Promise<{ tensor: Tensor; fileDType: WeightDType }> {
  const { source, entry } = located;
  if (!READABLE.has(entry.dtype)) {
    throw new CheckpointFormatError(source.file, `dtype ${entry.dtype} cannot hold model weights`, entry.name, entry.shape, 'weights must be F32, F16, BF16 or F64');
  }
  const fileDType = entry.dtype as WeightDType | 'F64';
  const values = decodeFloats(fileDType, await source.read(entry.name));
  const target: DType = dtype === 'auto' ? tensorDTypeOf(fileDType) : dtype;
  return { tensor: tensor(values, [...entry.shape], target), fileDType: fileDType === 'F64' ? 'F32' : fileDType };
}

/**
 * Read every parameter (one tensor in memory at a time on the host).
 *
 * @example
 * ```ts
 * const { params, fileDTypes } = await readParameters(parameterSpecs(config), located, 'float32');
 * ```
 */
export async function readParameters(specs: readonly ParameterSpec[], located: ReadonlyMap<string, LocatedTensor>, dtype: LoadDType):
  Promise<{ params: Map<string, Tensor>; fileDTypes: Map<string, WeightDType> }> {
  const params = new Map<string, Tensor>();
  const fileDTypes = new Map<string, WeightDType>();
  try {
    for (const spec of specs) {
      const { tensor: t, fileDType } = await readParameter(located.get(spec.name)!, dtype);
      params.set(spec.name, t);
      fileDTypes.set(spec.name, fileDType);
    }
  } catch (error) {
    for (const t of params.values()) t.dispose();
    throw error;
  }
  return { params, fileDTypes };
}
