/**
 * Building SVG as text. Every label of a report comes from data (model names, slice values, reason codes,
 * error messages), so everything that goes into text or an attribute passes through `escapeXml`.
 */

/** Characters XML 1.0 cannot hold at all (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text safe inside an element or a quoted attribute of HTML or SVG; unrepresentable characters become U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export type AttributeValue = string | number | undefined;

/** A coordinate or size for an attribute: at most two decimals, no "-0", never NaN (an SVG error). */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot place a non-finite value in SVG: ${value}`);
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** `<tag a="…">children</tag>`; attribute values are escaped, undefined ones left out; `children` is markup. */
export function element(tag: string, attributes: Record<string, AttributeValue>, children = ''): string {
  const parts = [tag];
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    parts.push(`${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`);
  }
  return `<${parts.join(' ')}>${children}</${tag}>`;
}

/** A text element; `content` is plain text (escaped here). */
export function text(attributes: Record<string, AttributeValue>, content: string): string {
  return element('text', attributes, escapeXml(content));
}

/** A native tooltip: a `<title>` child shows on hover, no script needed. */
export function tooltip(content: string): string {
  return element('title', {}, escapeXml(content));
}
