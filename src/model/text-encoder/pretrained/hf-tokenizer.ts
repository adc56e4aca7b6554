/**
 * `@huggingface/tokenizers` behind a typed seam. The package's declaration files import their siblings
 * without file extensions, which NodeNext resolution cannot follow, so its classes type as `any`; this
 * file states the little of them that larr uses.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

type HfTokenizerClass = new (tokenizerJson: object, config: object) => HfTokenizer;

/** A tokenizer from a parsed `tokenizer.json` (fast: pure JS, no I/O). */
export function createTokenizer(tokenizerJson: object): HfTokenizer {
  const TokenizerClass = Tokenizer as unknown as HfTokenizerClass;
  return new TokenizerClass(tokenizerJson, {});
}
