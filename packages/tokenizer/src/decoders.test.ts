import { describe, expect, it } from 'vitest';
import { BpeDecoder, ByteFallbackDecoder, ByteLevelDecoder, FuseDecoder, MetaspaceDecoder, ReplaceDecoder, SequenceDecoder, StripDecoder } from './decoders.js';
import { Pattern } from './pattern.js';

describe('decoders', () => {
  it('ByteLevel maps symbols back to UTF-8, lossily', () => {
    const d = new ByteLevelDecoder();
    expect(d.decodeChain(['Hello', 'Ġmy', 'Ġfriend', ',', 'Ġhow', '?'])).toEqual(['Hello my friend, how?']);
    expect(d.decodeChain(['ĠðŁ', '¤', 'Ĺ'])).toEqual([' 🤗']);
    expect(d.decodeChain(['ðŁ', '¤'])).toEqual(['\ufffd']);
    expect(d.decodeChain(['a', '  ', 'b'])).toEqual(['a  b']); // an added token outside the alphabet passes through
  });

  it('ByteFallback joins byte tokens, one U+FFFD per invalid byte', () => {
    const d = new ByteFallbackDecoder();
    expect(d.decodeChain(['<0xC3>', '<0xA9>', 'x'])).toEqual(['é', 'x']);
    expect(d.decodeChain(['<0xE5>', '<0x8f>', 'y'])).toEqual(['\ufffd', '\ufffd', 'y']);
    expect(d.decodeChain(['<0x61>'])).toEqual(['a']);
    expect(d.decodeChain(['<0xZZ>'])).toEqual(['<0xZZ>']);
  });

  it('Replace, Fuse, Strip, Metaspace, BPEDecoder and Sequence', () => {
    expect(new ReplaceDecoder(Pattern.string('▁'), ' ').decodeChain(['▁Hey', '▁you'])).toEqual([' Hey', ' you']);
    expect(new FuseDecoder().decodeChain(['a', 'b'])).toEqual(['ab']);
    expect(new StripDecoder(' ', 1, 0).decodeChain(['  Hey', ' x '])).toEqual([' Hey', 'x ']);
    expect(new StripDecoder('_', 0, 2).decodeChain(['a___'])).toEqual(['a_']);
    expect(new MetaspaceDecoder('▁', 'always', true).decodeChain(['▁Hey', '▁friend!'])).toEqual(['Hey', ' friend!']);
    expect(new MetaspaceDecoder('▁', 'never', true).decodeChain(['▁Hey'])).toEqual([' Hey']);
    expect(new BpeDecoder('</w>').decodeChain(['hi</w>', 'you</w>'])).toEqual(['hi ', 'you']);
    const llama = new SequenceDecoder([new ReplaceDecoder(Pattern.string('▁'), ' '), new ByteFallbackDecoder(), new FuseDecoder(), new StripDecoder(' ', 1, 0)]);
    expect(llama.decodeChain(['▁Hey', '<0xC3>', '<0xA9>', '▁there'])).toEqual(['Heyé there']);
  });
});
