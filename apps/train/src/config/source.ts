/**
 * The raw config: a YAML file, then command-line overrides `key.sub=value`, then `${...}`
 * interpolation (OmegaConf's, as llm-foundry's YAMLs use it). It remembers where every value
 * came from, so validation errors can name the file and line, or the override.
 *
 * Overrides: the value is read as YAML (`autoresume=true` is a boolean, `lr=2e-3` a number,
 * `betas=[0.9,0.95]` a list, `x=null` null, `name='123'` a string). A list element is addressed
 * by its index (`data.sources.0.path=a.txt`); missing intermediate maps are created.
 *
 * Interpolation: a string `${a.b}` is replaced by the value at `a.b` (of any type); inside a
 * longer string it is substituted as text. `${variables.x}` reads the `variables:` section.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from '../errors.js';

/** A path into the config: map keys and list indices. */
export type KeyPath = readonly (string | number)[];

/**
 * Dotted form of a path.
 *
 * @example
 * ```ts
 * dotted(['data', 'sources', 0, 'path']); // 'data.sources.0.path'
 * ```
 */
export function dotted(path: KeyPath): string {
  return path.join('.');
}

/** A parsed config and where its values came from. */
export interface ConfigSource {
  /** The file, as given. */
  readonly file: string;
  /** The merged, interpolated plain object. */
  readonly value: Record<string, unknown>;
  /** `file:line` of the value at `path` (or of its nearest parent), or the override that set it. */
  where(path: KeyPath): string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The YAML node at a path, and for the last segment of a map, the key node too. */
function findNode(root: unknown, path: KeyPath): { node: Node | undefined; depth: number } {
  let node = root as Node | undefined;
  let depth = 0;
  for (const segment of path) {
    let next: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      next = (pair?.value ?? pair?.key) as Node | undefined;
      if (pair && pair.value === null) next = pair.key as Node;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment] as Node | undefined;
    }
    if (!next) break;
    node = next;
    depth++;
  }
  return { node, depth };
}

/** The key node of `path`'s last segment (for "unknown key" errors). */
function findKeyNode(root: unknown, path: KeyPath): Node | undefined {
  const parent = findNode(root, path.slice(0, -1));
  if (parent.depth !== path.length - 1 || !isMap(parent.node)) return undefined;
  const last = path[path.length - 1];
  const pair = parent.node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(last));
  return pair?.key as Node | undefined;
}

/**
 * Parse one override `a.b.c=value`.
 *
 * @example
 * ```ts
 * parseOverride('optimizer.lr=2e-3'); // { path: ['optimizer', 'lr'], value: 0.002 }
 * ```
 */
export function parseOverride(text: string): { path: string[]; value: unknown } {
  const at = text.indexOf('=');
  const key = at < 0 ? '' : text.slice(0, at).trim();
  if (at < 0 || !key || key.split('.').some((s) => s === '')) {
    throw new ConfigError('', `command-line override '${text}'`, 'expected key=value (nested keys with dots: model.d_model=64)');
  }
  const raw = text.slice(at + 1);
  const document = parseDocument(raw === '' ? '""' : raw);
  if (document.errors.length > 0) {
    throw new ConfigError(key, `command-line override '${text}'`, `the value is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
  }
  return { path: key.split('.'), value: document.toJS() as unknown };
}

function setAt(target: Json, path: readonly string[], value: unknown, override: string): void {
  let node: unknown = target;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i]!;
    if (Array.isArray(node)) {
      const index = Number(segment);
      if (!Number.isInteger(index) || index < 0 || index > node.length) {
        throw new ConfigError(dotted(path.slice(0, i + 1)), `command-line override '${override}'`, `'${segment}' is not an index of this list (0..${node.length})`);
      }
      if (!isObject(node[index]) && !Array.isArray(node[index])) node[index] = {};
      node = node[index];
    } else if (isObject(node)) {
      if (!isObject(node[segment]) && !Array.isArray(node[segment])) node[segment] = {};
      node = node[segment];
    }
  }
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index > node.length) {
      throw new ConfigError(dotted(path), `command-line override '${override}'`, `'${last}' is not an index of this list (0..${node.length})`);
    }
    node[index] = value;
  } else if (isObject(node)) {
    node[last] = value;
  }
}

function getAt(target: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let node = target;
  for (const segment of path) {
    if (Array.isArray(node) && /^\d+$/.test(segment) && Number(segment) < node.length) node = node[Number(segment)];
    else if (isObject(node) && segment in node) node = node[segment];
    else return { found: false, value: undefined };
  }
  return { found: true, value: node };
}

const REFERENCE = /\$\{([^}]*)\}/g;

/** Resolve `${...}` references in place (OmegaConf semantics; cycles are errors). */
function interpolate(root: Json, where: (path: KeyPath) => string): void {
  const resolving = new Set<string>();
  const resolveValue = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, [...path, String(i)]));
    if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) value[k] = resolveValue(v, [...path, k]);
      return value;
    }
    return value;
  };
  const lookup = (reference: string, from: string[]): unknown => {
    const target = reference.trim().split('.');
    const key = target.join('.');
    if (resolving.has(key)) {
      throw new ConfigError(dotted(from), where(from), `\${${reference}} refers to itself (through ${[...resolving].join(' -> ')})`, 'break the cycle of references');
    }
    const { found, value } = getAt(root, target);
    if (!found) {
      throw new ConfigError(dotted(from), where(from), `\${${reference}} names no value in the config`, 'references are dotted paths from the top: ${max_seq_len}, ${variables.data_dir}');
    }
    resolving.add(key);
    const resolved = resolveValue(value, target);
    resolving.delete(key);
    setAt(root, target, resolved, '');
    return resolved;
  };
  const resolveString = (text: string, path: string[]): unknown => {
    const whole = /^\$\{([^}]*)\}$/.exec(text);
    if (whole) return lookup(whole[1]!, path);
    if (!text.includes('${')) return text;
    return text.replace(REFERENCE, (_, reference: string) => {
      const value = lookup(reference, path);
      if (typeof value === 'object' && value !== null) {
        throw new ConfigError(dotted(path), where(path), `\${${reference}} is a ${Array.isArray(value) ? 'list' : 'map'} and cannot be part of a string`);
      }
      return String(value);
    });
  };
  resolveValue(root, []);
}

/**
 * Read a YAML config, apply overrides and interpolation.
 *
 * @example
 * ```ts
 * const source = await readConfigSource('configs/tiny.yaml', ['max_duration=10ba']);
 * source.where(['model', 'd_model']); // 'configs/tiny.yaml:14'
 * ```
 */
export async function readConfigSource(file: string, overrides: readonly string[] = []): Promise<ConfigSource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new ConfigError('', file, code === 'ENOENT' ? 'config file not found' : `cannot read the config file (${(cause as Error).message})`,
      code === 'ENOENT' ? 'give the path of a YAML config, e.g. apps/train/configs/tiny.yaml' : undefined);
  }
  return parseConfigSource(text, file, overrides);
}

/**
 * {@link readConfigSource} on text already read.
 *
 * @example
 * ```ts
 * const source = parseConfigSource('seed: 1\n', 'inline.yaml', ['seed=2']);
 * source.value.seed; // 2
 * ```
 */
export function parseConfigSource(text: string, file: string, overrides: readonly string[] = []): ConfigSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    const line = error.linePos?.[0]?.line;
    throw new ConfigError('', `${file}${line ? `:${line}` : ''}`, `not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const value = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (value !== null && value !== undefined && !isObject(value)) {
    throw new ConfigError('', `${file}:1`, 'the config must be a YAML mapping (key: value lines)');
  }
  const root: Json = isObject(value) ? value : {};
  const overridden = new Map<string, string>();
  for (const text of overrides) {
    const { path, value: v } = parseOverride(text);
    setAt(root, path, v, text);
    overridden.set(path.join('.'), text);
  }
  const where = (path: KeyPath): string => {
    for (let n = path.length; n > 0; n--) {
      const override = overridden.get(dotted(path.slice(0, n)));
      if (override !== undefined) return `command-line override '${override}'`;
    }
    const key = findKeyNode(document.contents, path);
    const { node } = key ? { node: key } : findNode(document.contents, path);
    const offset = node?.range?.[0];
    if (offset === undefined) return file;
    return `${file}:${lineCounter.linePos(offset).line}`;
  };
  interpolate(root, where);
  return { file, value: root, where };
}
