/**
 * The field special tokens: each one opens a field text ("[WEATHER] light rain") so the language model
 * learns which kind of value follows. Scene-event fields use the first block; the rest are reserved for the
 * corpus builder (stage 1), the pair texts of stage 2 and the aggregation encoder of stage 3. All of them
 * are reserved: user-supplied text can never produce any of them (see `neutraliseSpecialTokens`).
 */
export const SPECIAL_TOKENS = {
  TIME: '[TIME]',
  WEEKDAY: '[WEEKDAY]',
  WEATHER: '[WEATHER]',
  TEMP: '[TEMP]',
  PLACE: '[PLACE]',
  PLACE_KIND: '[PLACE_KIND]',
  DISTRICT: '[DISTRICT]',
  CITY: '[CITY]',
  SEGMENT: '[SEGMENT]',
  ACTIVITY: '[ACTIVITY]',
  DEVICE: '[DEVICE]',
  PARTY: '[PARTY]',
  EXTRA: '[EXTRA]',
  // Reserved for later stages: corpus records (shops, dishes, locations, users, items) and the [AGG] token.
  SHOP: '[SHOP]',
  DISH: '[DISH]',
  LOC: '[LOC]',
  USER: '[USER]',
  ITEM: '[ITEM]',
  AGG: '[AGG]',
} as const;

export type SpecialTokenName = keyof typeof SPECIAL_TOKENS;
export type SpecialToken = (typeof SPECIAL_TOKENS)[SpecialTokenName];

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;

/**
 * Token names folded the way `neutraliseSpecialTokens` folds bracket contents: letters and digits only,
 * lower-case ("PLACE_KIND" → "placekind").
 */
const FOLDED_TOKEN_NAMES: ReadonlySet<string> = new Set(
  Object.keys(SPECIAL_TOKENS).map((name) => foldTokenName(name)),
);

/**
 * Opening and closing square brackets: ASCII, full-width (U+FF3B / U+FF3D) and the vertical presentation
 * forms (U+FE47 / U+FE48) — every code point that NFKC turns into `[` or `]`.
 */
const ANY_BRACKET = /[[\]\uFF3B\uFF3D\uFE47\uFE48]/u;
/**
 * One bracket pair with no bracket inside. 64 code units is far more than the longest token name padded
 * with whitespace and zero-width characters, and bounds the work on hostile input.
 */
const BRACKET_PAIR = /[[\uFF3B\uFE47]([^[\]\uFF3B\uFF3D\uFE47\uFE48]{0,64})[\]\uFF3D\uFE48]/gu;

function foldTokenName(inner: string): string {
  return inner.normalize('NFKC').replace(NOT_LETTER_OR_DIGIT, '').toLowerCase();
}

/** True when the text between a pair of brackets would read as a reserved special token. */
export function isReservedTokenName(inner: string): boolean {
  return FOLDED_TOKEN_NAMES.has(foldTokenName(inner));
}

/**
 * Makes user-supplied text safe to put after a field token: no part of it can be read as a special token.
 *
 * The rule: a pair of square brackets (ASCII, full-width or vertical form) with no bracket between them is
 * a *token lookalike* when its contents, NFKC-normalised and stripped of everything but letters and digits,
 * equal a reserved token name with its underscores removed, ignoring case. So `[WEATHER]`, `[ weather ]`,
 * `[ＷＥＡＴＨＥＲ]`, `［weather］`, `[wea\u200Bther]`, `[place kind]` and `[Place-Kind]` are all
 * lookalikes. A lookalike's brackets become parentheses (`(weather)`); its contents and every other
 * character are kept. The rewrite repeats until nothing changes, so nesting (`[[WEATHER]]`) cannot leave
 * a token behind. Brackets around anything else (`[1]`, `[note]`) are left alone.
 *
 * Featurize calls this on canonical text, after which the only special token in a field text is the one
 * featurize put in front of it.
 */
export function neutraliseSpecialTokens(text: string): string {
  if (!ANY_BRACKET.test(text)) return text;
  let current = text;
  for (;;) {
    const next = current.replace(BRACKET_PAIR, (pair: string, inner: string) =>
      isReservedTokenName(inner) ? `(${inner})` : pair,
    );
    if (next === current) return current;
    current = next;
  }
}
