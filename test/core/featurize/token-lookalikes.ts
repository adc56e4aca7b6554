/**
 * An independent, deliberately loose detector of special-token lookalikes for the featurize tests: any
 * bracket pair (ASCII or full-width) around a reserved name, after NFKC and with format characters and
 * spaces, underscores and hyphens removed, ignoring case. It shares no code with `neutraliseSpecialTokens`.
 */
const RESERVED_NAMES = [
  'TIME',
  'WEEKDAY',
  'WEATHER',
  'TEMP',
  'PLACE',
  'PLACE_KIND',
  'DISTRICT',
  'CITY',
  'SEGMENT',
  'ACTIVITY',
  'DEVICE',
  'PARTY',
  'EXTRA',
  'SHOP',
  'DISH',
  'LOC',
  'USER',
  'ITEM',
  'AGG',
];

const LOOKALIKE = new RegExp(
  `\\[(?:${RESERVED_NAMES.map((name) => name.replace('_', '')).join('|')})\\]`,
  'gi',
);

/** How many substrings of `text` a lenient tokenizer could read as a reserved special token. */
export function countTokenLookalikes(text: string): number {
  const folded = text.normalize('NFKC').replace(/[\p{Cf}\s_-]/gu, '');
  return (folded.match(LOOKALIKE) ?? []).length;
}
