/**
 * @tessera/tokenizer: Hugging Face tokenizer.json loading, byte-level BPE with the ids Python
 * gives, chat templates and SFT formats. Browser-safe: only `fromFile` / `fromPretrained`
 * touch `node:fs`, through a dynamic import.
 *
 * @example
 * ```ts
 * import { Tokenizer } from '@tessera/tokenizer';
 * const tokenizer = await Tokenizer.fromFile('tokenizer.json');
 * const { ids } = tokenizer.encode('Hello world', { addSpecialTokens: false });
 * console.log(ids, tokenizer.decode(ids));
 * ```
 */
export { Tokenizer } from './tokenizer.js';
export type { TokenizerComponents, EncodeOptions, DecodeOptions } from './tokenizer.js';
export type { Encoding, EncodingDetail } from './encoding.js';
export { IncrementalDecoder } from './incremental-decoder.js';
export type { IncrementalDecoderOptions } from './incremental-decoder.js';
export { BpeModel } from './bpe-model.js';
export type { BpeModelOptions } from './bpe-model.js';
export { AddedVocabulary } from './added-vocabulary.js';
export type { AddedToken, ResolvedAddedToken } from './added-vocabulary.js';
export {
  UnicodeNormalizer,
  LowercaseNormalizer,
  PrependNormalizer,
  ReplaceNormalizer,
  StripNormalizer,
  StripAccentsNormalizer,
  ByteLevelNormalizer,
  SequenceNormalizer,
} from './normalizers.js';
export type { Normalizer, UnicodeForm, JsonObject } from './normalizers.js';
export {
  ByteLevelPreTokenizer,
  SplitPreTokenizer,
  WhitespacePreTokenizer,
  WhitespaceSplitPreTokenizer,
  DigitsPreTokenizer,
  PunctuationPreTokenizer,
  CharDelimiterSplitPreTokenizer,
  MetaspacePreTokenizer,
  BertPreTokenizer,
  SequencePreTokenizer,
} from './pre-tokenizers.js';
export type { PreTokenizer, ByteLevelOptions, PrependScheme, Emit } from './pre-tokenizers.js';
export { ByteLevelPostProcessor, TemplateProcessing, BertProcessing, RobertaProcessing, SequenceProcessor } from './post-processors.js';
export type { PostProcessor, EncodingPart, TemplatePiece, TemplateSpecialToken } from './post-processors.js';
export {
  ByteLevelDecoder,
  ReplaceDecoder,
  ByteFallbackDecoder,
  FuseDecoder,
  StripDecoder,
  MetaspaceDecoder,
  BpeDecoder,
  SequenceDecoder,
} from './decoders.js';
export type { Decoder } from './decoders.js';
export { Pattern } from './pattern.js';
export type { MatchSpan } from './pattern.js';
export type { SplitBehavior } from './pre-tokenized-string.js';
export type { TruncationOptions, PaddingOptions } from './truncation.js';
export { parseTokenizerJson } from './serialization.js';
export type { TokenizerJsonInput } from './serialization.js';
export { parseTokenizerConfig } from './tokenizer-config.js';
export type { TokenizerConfig } from './tokenizer-config.js';
export type { ChatMessage, ApplyChatTemplateOptions } from './chat-template.js';
export { formatChatML, formatInstruct, encodeSegments, MPT_CHAT_SYSTEM_PROMPT, MPT_INSTRUCT_PREAMBLE } from './chat-formats.js';
export type { FormattedExample, Segment, ChatMlOptions, InstructOptions } from './chat-formats.js';
export { BYTE_TO_CHAR, byteLevelAlphabet, byteLevelEncode } from './byte-level.js';
export { splitGpt2, GPT2_PATTERN } from './gpt2-split.js';
export { TokenizerError, TokenizerConfigError, TokenizerInputError } from './errors.js';
export { BpeTrainer, trainBpe } from './train/bpe-trainer.js';
export type { TrainBpeOptions, TrainProgress, TrainingTexts } from './train/bpe-trainer.js';
export { trainBpeFromFiles, readLines } from './train/train-from-files.js';
export type { TrainBpeFromFilesOptions } from './train/train-from-files.js';
export { ProgressBar } from './train/progress-bar.js';
export type { ProgressOutput } from './train/progress-bar.js';
export { encodeStream } from './streaming/encode-stream.js';
export type { EncodeStreamOptions, TextSource } from './streaming/encode-stream.js';
export { SafeCuts } from './streaming/safe-cuts.js';
export { EncoderPool, createEncoderPool } from './workers/encoder-pool.js';
export type { EncoderPoolOptions, PoolEncodeOptions } from './workers/encoder-pool.js';
