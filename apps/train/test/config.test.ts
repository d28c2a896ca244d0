/**
 * Config loading: the shipped configs validate; unknown keys, wrong types, missing keys and
 * missing files fail with the dotted key and the file and line (or the override) that set it;
 * overrides and `${...}` interpolation behave as documented.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigSource, parseOverride } from '../src/index.js';
import { ensureTokenizer } from '../src/steps/tokenizer.js';
import { Reporter } from '../src/report.js';

const configs = join(import.meta.dirname, '..', 'configs');
const tiny = join(configs, 'tiny.yaml');
const dir = mkdtempSync(join(tmpdir(), 'tessera-train-config-'));
// A Hugging Face folder with only config.json: enough for finetune-tiny.yaml to validate.
const hf = join(dir, 'hf');
mkdirSync(hf);
writeFileSync(join(hf, 'config.json'), JSON.stringify({ model_type: 'mpt', d_model: 32, n_heads: 2, n_layers: 2, max_seq_len: 128, vocab_size: 512 }));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A config file made from tiny.yaml with `edit` applied to its text. */
function variant(name: string, edit: (text: string) => string): string {
  const path = join(dir, name);
  writeFileSync(path, edit(readFileSync(tiny, 'utf8')));
  return path;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function lineOf(path: string, needle: string): number {
  return readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('shipped configs', () => {
  it.each(['tiny.yaml', 'demo.yaml', 'finetune-tiny.yaml'])('%s validates', async (name) => {
    const { config } = await loadConfig(join(configs, name), name === 'finetune-tiny.yaml' ? [`variables.base=${hf}`] : []);
    expect(config.saveFolder).toMatch(/^runs\//);
    expect(config.optimizer.name).toMatch(/lion|adam/);
  });

  it('tiny.yaml: interpolation resolves paths under save_folder and keeps number types', async () => {
    const { config } = await loadConfig(tiny, ['save_folder=/tmp/x']);
    expect(config.tokenizer.name).toBe('/tmp/x/data/tokenizer');
    expect(config.trainLoader).toMatchObject({ kind: 'text', local: '/tmp/x/data/train', maxSeqLen: 128, shuffleSeed: 17 });
    expect(config.model.json.max_seq_len).toBe(128);
    expect(config.model.json.max_seq_len).toBeTypeOf('number');
    expect(config.tokenizer.modelMaxLength).toBe(128);
  });
});

describe('validation errors', () => {
  it('unknown key: names the key path, file and line, and suggests the right one', async () => {
    const path = variant('typo.yaml', (t) => t.replace('  shuffle: true', '  shufle: true'));
    const error = await configError(loadConfig(path));
    expect(error.key).toBe('train_loader.dataset.shufle');
    expect(error.location).toBe(`${path}:${lineOf(path, 'shufle')}`);
    expect(error.message).toContain("unknown key (did you mean 'shuffle'?)");
  });

  it('unknown top-level key and an unknown model key', async () => {
    const top = variant('top.yaml', (t) => `${t}\nmax_durration: 10ba\n`);
    const e1 = await configError(loadConfig(top));
    expect(e1.message).toContain(`${top}:${lineOf(top, 'max_durration')}: max_durration: unknown key (did you mean 'max_duration'?)`);
    const model = variant('model.yaml', (t) => t.replace('  n_layers: 2', '  n_layer: 2'));
    const e2 = await configError(loadConfig(model));
    expect(e2.key).toBe('model.n_layer');
    expect(e2.location).toBe(`${model}:${lineOf(model, 'n_layer:')}`);
    expect(e2.message).toContain('unknown setting');
  });

  it('wrong types: schema keys and model keys', async () => {
    const path = variant('types.yaml', (t) => t.replace('global_train_batch_size: 2', 'global_train_batch_size: two').replace('  lr: 3.0e-3', '  lr: fast'));
    const error = await configError(loadConfig(path));
    expect(error.message).toContain(`${path}:${lineOf(path, 'global_train_batch_size')}: global_train_batch_size: expected a number, got "two"`);
    expect(error.message).toContain(`${path}:${lineOf(path, 'lr: fast')}: optimizer.lr: expected a number, got "fast"`);
    const model = variant('model-type.yaml', (t) => t.replace('  d_model: 32', '  d_model: wide'));
    const e2 = await configError(loadConfig(model));
    expect(e2.key).toBe('model.d_model');
    expect(e2.message).toContain(`${model}:${lineOf(model, 'd_model: wide')}: model.d_model: expected an integer`);
  });

  it('bad values: time strings, enums, precision', async () => {
    const error = await configError(loadConfig(tiny, ['max_duration=1.5ba', 'optimizer.name=sgd', 'precision=amp_bf16']));
    expect(error.message).toContain("command-line override 'max_duration=1.5ba': max_duration: time '1.5ba' must be a whole number of ba");
    expect(error.message).toContain("optimizer.name: Invalid discriminator value. Expected 'decoupled_lionw' | 'decoupled_adamw' | 'adamw'");
    expect(error.message).toContain("precision: \"amp_bf16\": only 'fp32' is supported");
  });

  it('missing required keys', async () => {
    const path = variant('missing.yaml', (t) => t.replace(/^max_duration: 40ba$/m, ''));
    const error = await configError(loadConfig(path));
    expect(error.key).toBe('max_duration');
    expect(error.message).toContain('max_duration: expected a time');
  });

  it('missing files: the config itself, a data source, the tokenizer, a pretrained folder', async () => {
    const e1 = await configError(loadConfig(join(dir, 'nope.yaml')));
    expect(e1.message).toContain('nope.yaml: config file not found');

    const source = await loadConfig(tiny, [`save_folder=${join(dir, 'run-a')}`, 'data.sources=[{path: /nonexistent/corpus.txt}]']);
    const e2 = await configError(ensureTokenizer(source, new Reporter({ quiet: true })));
    expect(e2.key).toBe('data.sources.0.path');
    expect(e2.message).toContain("command-line override 'data.sources=[{path: /nonexistent/corpus.txt}]': data.sources.0.path: \"/nonexistent/corpus.txt\" does not exist");

    const noTrain = await loadConfig(tiny, ['tokenizer.name=/nonexistent/tokenizer.json', 'tokenizer.train=null']);
    const e3 = await configError(ensureTokenizer(noTrain, new Reporter({ quiet: true })));
    expect(e3.key).toBe('tokenizer.name');
    expect(e3.hint).toContain('tokenizer.train');

    const finetune = join(configs, 'finetune-tiny.yaml');
    const e4 = await configError(loadConfig(finetune, ['variables.base=/nonexistent/hf']));
    expect(e4.key).toBe('model.pretrained_model_name_or_path');
    expect(e4.location).toBe(`${finetune}:${lineOf(finetune, 'pretrained_model_name_or_path')}`);
    expect(e4.message).toContain('/nonexistent/hf is not a Hugging Face model folder (no config.json there)');
  });

  it('invalid YAML names the line', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'seed: 1\nmodel:\n  d_model: [1, 2\n');
    const error = await configError(loadConfig(path));
    expect(error.message).toMatch(/broken\.yaml:\d+: not valid YAML/);
  });

  it('reports every problem at once', async () => {
    const error = await configError(loadConfig(tiny, ['seed=-1', 'autoresume=maybe', 'eval_subset_num_batches=x']));
    expect(error.issues.map((i) => i.key).sort()).toEqual(['autoresume', 'eval_subset_num_batches', 'seed']);
  });
});

describe('overrides', () => {
  it('values are read as YAML', () => {
    expect(parseOverride('autoresume=true')).toEqual({ path: ['autoresume'], value: true });
    expect(parseOverride('optimizer.lr=2e-3')).toEqual({ path: ['optimizer', 'lr'], value: 0.002 });
    expect(parseOverride('optimizer.betas=[0.9, 0.99]')).toEqual({ path: ['optimizer', 'betas'], value: [0.9, 0.99] });
    expect(parseOverride("run_name='123'")).toEqual({ path: ['run_name'], value: '123' });
    expect(parseOverride('max_duration=40ba')).toEqual({ path: ['max_duration'], value: '40ba' });
    expect(parseOverride('load_path=null')).toEqual({ path: ['load_path'], value: null });
    expect(parseOverride('note=a=b')).toEqual({ path: ['note'], value: 'a=b' });
  });

  it('rejects malformed overrides', () => {
    expect(() => parseOverride('save_folder')).toThrow(/expected key=value/);
    expect(() => parseOverride('a..b=1')).toThrow(/expected key=value/);
  });

  it('sets nested keys, creates maps, addresses list items and applies before interpolation', async () => {
    const { config } = await loadConfig(tiny, ['save_folder=/tmp/o', 'model.d_model=64', 'model.attn_config.alibi_bias_max=4', 'data.sources.0.max_chars=1000', 'seed=3', 'autoresume=false']);
    expect(config.model.json.d_model).toBe(64);
    expect(config.model.json.attn_config).toMatchObject({ alibi: true, alibi_bias_max: 4 });
    expect(config.data?.sources[0]).toMatchObject({ kind: 'builtin', name: 'moby-dick', maxChars: 1000 });
    expect(config.trainLoader).toMatchObject({ local: '/tmp/o/data/train', shuffleSeed: 3 });
    expect(config.autoresume).toBe(false);
  });

  it('an error in an overridden value names the override', async () => {
    const error = await configError(loadConfig(tiny, ['global_train_batch_size=0']));
    expect(error.location).toBe("command-line override 'global_train_batch_size=0'");
    expect(error.message).toContain('global_train_batch_size: Too small');
  });
});

describe('interpolation', () => {
  it('whole values keep their type; embedded references become text', () => {
    const source = parseConfigSource('a: 3\nb: ${a}\nc: x-${a}-y\nd:\n  e: ${variables.v}\nvariables:\n  v: [1, 2]\n', 'inline.yaml');
    expect(source.value).toMatchObject({ a: 3, b: 3, c: 'x-3-y', d: { e: [1, 2] } });
  });

  it('cycles and unknown references are errors with the line', () => {
    expect(() => parseConfigSource('a: ${b}\nb: ${a}\n', 'cycle.yaml')).toThrow(/cycle\.yaml:\d: .*refers to itself/);
    expect(() => parseConfigSource('a: 1\nb: ${nope.x}\n', 'ref.yaml')).toThrow(/ref\.yaml:2: b: \$\{nope\.x\} names no value/);
  });
});
