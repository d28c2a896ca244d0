import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BpeModel } from './bpe-model.js';
import { ByteLevelDecoder } from './decoders.js';
import { TokenizerInputError } from './errors.js';
import { TemplateProcessing } from './post-processors.js';
import { ByteLevelPreTokenizer } from './pre-tokenizers.js';
import { Tokenizer } from './tokenizer.js';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');
const sotuJson = (): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
const sotu = Tokenizer.fromJSON(sotuJson());

describe('Tokenizer', () => {
  it('looks tokens up both ways and counts the vocabulary', () => {
    expect(sotu.tokenToId('<|endoftext|>')).toBe(0);
    expect(sotu.tokenToId('Ġthe')).toBeGreaterThan(257);
    expect(sotu.idToToken(1)).toBe('<|padding|>');
    expect(sotu.idToToken(99_999)).toBeUndefined();
    expect(sotu.getVocabSize()).toBe(4096);
    expect(sotu.getVocabSize(false)).toBe(4096);
    expect(sotu.getVocab().get('Ġthe')).toBe(sotu.tokenToId('Ġthe'));
  });

  it('computes tokens and offsets lazily and consistently', () => {
    const e = sotu.encode('Hello, wörld! 😀');
    expect(e.tokens.length).toBe(e.ids.length);
    expect(e.offsets[e.offsets.length - 1]).toEqual([14, 15]);
    expect(e.attentionMask.every((m) => m === 1)).toBe(true);
  });

  it('decodes, skipping unknown ids and optionally special tokens', () => {
    const ids = sotu.encode('end.<|endoftext|>next').ids;
    expect(sotu.decode(ids)).toBe('end.<|endoftext|>next');
    expect(sotu.decode(ids, { skipSpecialTokens: true })).toBe('end.next');
    expect(sotu.decode([...ids, 123_456])).toBe('end.<|endoftext|>next');
    expect(sotu.decodeBatch([ids, []])).toEqual(['end.<|endoftext|>next', '']);
    expect(sotu.decode(Int32Array.from(ids))).toBe('end.<|endoftext|>next');
  });

  it('adds BOS/EOS with a TemplateProcessing post-processor, and handles pairs', () => {
    const json = sotuJson();
    json.post_processor = {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|endoftext|>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|padding|>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {
        '<|endoftext|>': { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] },
        '<|padding|>': { id: '<|padding|>', ids: [1], tokens: ['<|padding|>'] },
      },
    };
    const t = Tokenizer.fromJSON(json);
    const plain = sotu.encode('Call me Ishmael').ids;
    expect(t.encode('Call me Ishmael').ids).toEqual([0, ...plain, 0]);
    expect(t.encode('Call me Ishmael', { addSpecialTokens: false }).ids).toEqual(plain);
    const pair = t.encode('Call me Ishmael', { pair: 'Some years ago' });
    expect(pair.ids).toEqual([...plain, 1, ...sotu.encode('Some years ago').ids]);
    expect(pair.typeIds).toEqual([...plain.map(() => 0), 0, ...sotu.encode('Some years ago').ids.map(() => 1)]);
    expect(t.encodeBatch([['a', 'b']])[0]!.ids).toEqual(pair.ids.length > 0 ? t.encode('a', { pair: 'b' }).ids : []);
    expect(t.decode(t.encode('Call me Ishmael').ids, { skipSpecialTokens: true })).toBe('Call me Ishmael');
  });

  it('truncates and pads as tokenizer.json asks', () => {
    const json = sotuJson();
    json.truncation = { direction: 'Right', max_length: 4, strategy: 'LongestFirst', stride: 0 };
    json.padding = { strategy: 'BatchLongest', direction: 'Left', pad_to_multiple_of: null, pad_id: 1, pad_type_id: 0, pad_token: '<|padding|>' };
    const t = Tokenizer.fromJSON(json);
    const [long, short] = t.encodeBatch(['Call me Ishmael. Some years ago', 'Call']);
    expect(long!.ids).toEqual(sotu.encode('Call me Ishmael. Some years ago').ids.slice(0, 4));
    const call = sotu.encode('Call').ids;
    const pads = 4 - call.length;
    expect(pads).toBeGreaterThan(0);
    expect(short!.ids).toEqual([...Array<number>(pads).fill(1), ...call]);
    expect(short!.attentionMask).toEqual([...Array<number>(pads).fill(0), ...call.map(() => 1)]);
    expect(short!.tokens.slice(0, pads)).toEqual(Array<string>(pads).fill('<|padding|>'));
    expect(short!.specialTokensMask).toEqual([...Array<number>(pads).fill(1), ...call.map(() => 0)]);
  });

  it('can be built from components (as the BPE trainer does)', () => {
    const vocab: Record<string, number> = { '<|endoftext|>': 0 };
    for (const c of ['a', 'b', 'Ġ', 'ab', 'Ġab']) vocab[c] = Object.keys(vocab).length;
    const t = new Tokenizer({
      model: new BpeModel({ vocab, merges: [['a', 'b'], ['Ġ', 'ab']] }),
      preTokenizer: new ByteLevelPreTokenizer({ addPrefixSpace: false }),
      decoder: new ByteLevelDecoder(),
      postProcessor: TemplateProcessing.fromTemplates('$A <|endoftext|>', '$A $B:1', [{ id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] }]),
      addedTokens: [{ content: '<|endoftext|>', special: true }],
    });
    expect(t.encode('ab ab').ids).toEqual([4, 5, 0]);
    expect(t.encode('ab ab').tokens).toEqual(['ab', 'Ġab', '<|endoftext|>']);
    expect(t.decode([4, 5, 0], { skipSpecialTokens: true })).toBe('ab ab');
    expect(Tokenizer.fromJSON(t.toJSON()).encode('ab ab').ids).toEqual([4, 5, 0]);
  });

  it('loads files and pretrained directories (tokenizer_config.json, chat_template)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tokenizer-'));
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(join(fixtures, 'tokenizer.json')));
    expect((await Tokenizer.fromFile(join(dir, 'tokenizer.json'))).encode('Call').ids).toEqual(sotu.encode('Call').ids);
    const bare = await Tokenizer.fromPretrained(dir);
    expect(bare.config).toEqual({});
    expect(() => bare.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toThrow(TokenizerInputError);
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({
        bos_token: '<|endoftext|>',
        eos_token: { content: '<|endoftext|>', lstrip: false, __type: 'AddedToken' },
        pad_token: null,
        unk_token: '<|endoftext|>',
        model_max_length: 2048,
        clean_up_tokenization_spaces: true,
        chat_template:
          "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}{{ eos_token if false else '' }}",
      }),
    );
    const t = await Tokenizer.fromPretrained(dir);
    expect(t.config.eosToken).toBe('<|endoftext|>');
    expect(t.config.padToken).toBeUndefined();
    expect(t.config.modelMaxLength).toBe(2048);
    const prompt = t.applyChatTemplate(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      { addGenerationPrompt: true },
    );
    expect(prompt).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(t.applyChatTemplate([{ role: 'user', content: 'x' }], { chatTemplate: '{{ bos_token }}{{ messages[0].content }}' })).toBe('<|endoftext|>x');
    const named = Tokenizer.fromJSON(readFileSync(join(fixtures, 'tokenizer.json')), {
      tokenizerConfig: { chat_template: [{ name: 'default', template: 'D{{ messages|length }}' }, { name: 'tool_use', template: 'T' }] },
    });
    expect(named.applyChatTemplate([{ role: 'user', content: 'x' }])).toBe('D1');
    expect(named.applyChatTemplate([{ role: 'user', content: 'x' }], { tools: [{}] })).toBe('T');
  });
});
