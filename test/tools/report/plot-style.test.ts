import assert from 'node:assert/strict';
import { test } from 'node:test';
import { familyStyles } from '../../../src/tools/report/plot-style.ts';
import { fixtureData } from './fixture.ts';

test('family styles: the baseline grey and dashed, LARR families in distinct colours', () => {
  const styles = familyStyles(fixtureData());
  assert.deepEqual(
    styles.map((style) => [style.label, style.dashed]),
    [
      ['larr-ctr (LARR)', false],
      ['ids-scene-lr-baseline (baseline)', true],
    ],
  );
  assert.equal(styles[1]!.color, '#6b7280');
});
