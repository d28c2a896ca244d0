/**
 * Load a run config: YAML + overrides + interpolation (`source.ts`), the zod schema
 * (`schema.ts`), the MPT model section (`configFromHF`), then the translation to camelCase
 * (`run-config.ts`). Every problem is reported with its dotted key and the file and line (or
 * the command-line override) that set it, all at once; unknown keys get a "did you mean".
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configFromHF, MPTConfigError, type MPTConfig } from '@tessera/model';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { toRunConfig, type RunConfig } from './run-config.js';
import { runConfigSchema } from './schema.js';
import { dotted, readConfigSource, type ConfigSource, type KeyPath } from './source.js';

/**
 * A loaded config and where its values came from.
 *
 * @example
 * ```ts
 * const { config, source } = await loadConfig('apps/train/configs/tiny.yaml', ['max_duration=10ba']);
 * ```
 */
export interface LoadedConfig {
  readonly config: RunConfig;
  readonly source: ConfigSource;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The keys an object schema allows at `path` (through optional, default, array and union wrappers). */
function allowedKeys(schema: z.ZodType, path: KeyPath, root: unknown): string[] {
  const unwrap = (s: z.ZodType): z.ZodType[] => {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) return unwrap(s.unwrap() as z.ZodType);
    if (s instanceof z.ZodPipe) return unwrap(s.in as z.ZodType);
    if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap(unwrap);
    return [s];
  };
  // Of a discriminated union's options, keep the one whose `name` matches the value's.
  const matching = (options: z.ZodType[], value: unknown): z.ZodType[] => {
    const name = typeof value === 'object' && value !== null ? (value as { name?: unknown }).name : undefined;
    const named = options.filter((s) => s instanceof z.ZodObject && s.shape.name instanceof z.ZodLiteral && (s.shape.name.values as ReadonlySet<unknown>).has(name));
    return named.length > 0 ? named : options;
  };
  let candidates = matching(unwrap(schema), root);
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth]!;
    const next = candidates.flatMap((s) => {
      if (s instanceof z.ZodObject && typeof segment === 'string') return s.shape[segment] ? [s.shape[segment] as z.ZodType] : [];
      if (s instanceof z.ZodArray && typeof segment === 'number') return [s.element as z.ZodType];
      return [];
    });
    candidates = matching(next.flatMap(unwrap), valueAt(root, path.slice(0, depth + 1)));
  }
  return [...new Set(candidates.flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : [])))];
}

function suggestion(key: string, allowed: readonly string[]): string {
  const best = allowed.map((a) => ({ a, d: distance(key, a) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best.a}'?)` : '';
}

function article(expected: string): string {
  if (expected === 'tuple' || expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function issueDetail(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type' && value === undefined) return `is required (expected ${article(issue.expected)})`;
  if (issue.code === 'invalid_type') return `expected ${article(issue.expected)}, got ${JSON.stringify(value)}`;
  if (issue.code === 'invalid_value' && !issue.message.startsWith('Invalid')) return `${JSON.stringify(value)}: ${issue.message}`;
  if (issue.code === 'invalid_value') return `${JSON.stringify(value)} is not allowed; expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
  return issue.message;
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function schemaIssues(source: ConfigSource, issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(runConfigSchema, path, source.value);
      for (const key of issue.keys) {
        out.push({ key: dotted([...path, key]), location: source.where([...path, key]), detail: `unknown key${suggestion(key, allowed)}; allowed here: ${allowed.join(', ')}` });
      }
      continue;
    }
    out.push({ key: dotted(path), location: source.where(path), detail: issueDetail(issue, valueAt(source.value, path)) });
  }
  return out;
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/**
 * The MPT config of the `model` section: its keys over the pretrained folder's config.json (when
 * `pretrained_model_name_or_path` is set). `vocabSize` fills an absent `vocab_size` (the
 * tokenizer's, at run time). Errors name `model.<key>` and its line.
 *
 * @example
 * ```ts
 * const mpt = resolveModelConfig(loaded, tokenizer.vocabSize);
 * ```
 */
export function resolveModelConfig(loaded: LoadedConfig, defaults: { vocabSize?: number; eosTokenId?: number } = {}): MPTConfig {
  const { config, source } = loaded;
  let base: Record<string, unknown> = {};
  if (config.model.pretrained !== undefined) {
    const file = join(config.model.pretrained, 'config.json');
    try {
      base = readJson(file);
    } catch (cause) {
      throw new ConfigError('model.pretrained_model_name_or_path', source.where(['model', 'pretrained_model_name_or_path']),
        `cannot read ${file} (${(cause as Error).message.split('\n')[0]})`, 'name a Hugging Face MPT folder (config.json + model.safetensors), e.g. one written by tessera-train export');
    }
  }
  const json: Record<string, unknown> = { ...base, ...config.model.json };
  for (const nested of ['attn_config', 'init_config', 'ffn_config']) {
    const [b, o] = [base[nested], config.model.json[nested]];
    if (typeof b === 'object' && b !== null && typeof o === 'object' && o !== null) json[nested] = { ...b, ...o };
  }
  if (json.vocab_size === undefined && defaults.vocabSize !== undefined) json.vocab_size = defaults.vocabSize;
  if (json.eos_token_id === undefined && defaults.eosTokenId !== undefined) json.eos_token_id = defaults.eosTokenId;
  try {
    return configFromHF(json);
  } catch (error) {
    if (!MPTConfigError.isInstance(error)) throw error;
    const path = ['model', ...error.key.split('.')];
    throw new ConfigError(dotted(path), source.where(path), error.message.replace(/^MPT config: [^:]*: /, '').split('\nHINT')[0]!, error.hint);
  }
}

/**
 * Read, override, interpolate and validate a config file.
 *
 * @example
 * ```ts
 * try { await loadConfig('run.yaml', ['model.d_model=64']); }
 * catch (e) { if (ConfigError.isInstance(e)) console.error(e.message); } // run.yaml:7: model.d_modle: unknown key (did you mean 'd_model'?) ...
 * ```
 */
export async function loadConfig(file: string, overrides: readonly string[] = []): Promise<LoadedConfig> {
  const source = await readConfigSource(file, overrides);
  const parsed = runConfigSchema.safeParse(withoutNulls(source.value));
  if (!parsed.success) {
    const issues = schemaIssues(source, parsed.error.issues);
    throw ConfigError.fromIssues(issues as [ConfigIssue, ...ConfigIssue[]], 'see apps/train/README.md for every key, or apps/train/configs/*.yaml for examples');
  }
  const loaded: LoadedConfig = { config: toRunConfig(parsed.data), source };
  checkModelSection(loaded);
  return loaded;
}

/**
 * `key: null` means "not set" (llm-foundry's YAMLs write `load_path: null`, and an override
 * `key=null` unsets a key), except in `model` (config.json values such as `kv_n_heads: null`) and
 * `variables`.
 */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, strip(x)]));
  };
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, k === 'model' || k === 'variables' ? v : strip(v)]));
}

/** The model section, checked now so that a typo fails before any data is prepared. */
function checkModelSection(loaded: LoadedConfig): void {
  const { config, source } = loaded;
  if (config.model.pretrained !== undefined && !existsSync(join(config.model.pretrained, 'config.json'))) {
    throw new ConfigError('model.pretrained_model_name_or_path', source.where(['model', 'pretrained_model_name_or_path']),
      `${config.model.pretrained} is not a Hugging Face model folder (no config.json there)`,
      'name a folder written by `tessera-train export <run folder> <output dir>` (or any MPT checkpoint folder)');
  }
  resolveModelConfig(loaded, { vocabSize: 50368 });
}

/**
 * A file or folder a config names must exist: an error naming the key and its line otherwise.
 *
 * @example
 * ```ts
 * requirePath(loaded, ['data', 'sources', 0, 'path'], 'a text or JSONL file');
 * ```
 */
export function requirePath(loaded: LoadedConfig, path: KeyPath, what: string, hint?: string): string {
  const value = valueAt(loaded.source.value, path);
  if (typeof value !== 'string' || !existsSync(value)) {
    throw new ConfigError(dotted(path), loaded.source.where(path), `${JSON.stringify(value)} does not exist (expected ${what})`, hint);
  }
  return value;
}

/**
 * True when `path` is an existing directory.
 *
 * @example
 * ```ts
 * isDirectory('runs/tiny/hf'); // true after an export
 * ```
 */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
