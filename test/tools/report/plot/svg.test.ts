import assert from 'node:assert/strict';
import { test } from 'node:test';
import { element, escapeXml, num, text, tooltip } from '../../../../src/tools/report/plot/svg.ts';

test('escapeXml escapes markup and quote characters', () => {
  assert.equal(
    escapeXml(`<script>alert("x") & 'y'</script>`),
    '&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;',
  );
  assert.equal(escapeXml('light rain × lunch'), 'light rain × lunch');
  // An already escaped entity is escaped again: data is text, never markup.
  assert.equal(escapeXml('&amp;'), '&amp;amp;');
});

test('escapeXml replaces characters XML cannot hold', () => {
  assert.equal(escapeXml('a\u0000b\u0007c\tok\n'), 'a\uFFFDb\uFFFDc\tok\n');
  assert.equal(escapeXml('lone \uD800 surrogate'), 'lone \uFFFD surrogate');
  assert.equal(escapeXml('pair 😀 kept'), 'pair 😀 kept');
});

test('element escapes attribute values, leaves out undefined ones, and rounds numbers', () => {
  assert.equal(
    element('rect', { x: 1.23456, y: -0.001, class: 'a"b', fill: undefined }, ''),
    '<rect x="1.23" y="0" class="a&quot;b"></rect>',
  );
  assert.equal(text({ x: 1 }, '<b>'), '<text x="1">&lt;b&gt;</text>');
  assert.equal(tooltip('x < y'), '<title>x &lt; y</title>');
});

test('num refuses NaN and infinities (they would be invalid SVG)', () => {
  assert.throws(() => num(Number.NaN), RangeError);
  assert.throws(() => num(Number.POSITIVE_INFINITY), RangeError);
  assert.equal(num(2), '2');
  assert.equal(num(-0), '0');
});
