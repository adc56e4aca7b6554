import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JoinWindow, type JoinOutcome } from '../../../src/pipeline/scorer/join-window.ts';

const V = 'vectors';
const I = 'impressions';
const at = (topic: string, offset: number, partition = 0) => ({ topic, partition, offset: String(offset) });
const kinds = (outcomes: readonly JoinOutcome<string, string>[]) => outcomes.map((outcome) => outcome.kind);

function window(windowMs = 100, maxEntries = 100) {
  return new JoinWindow<string, string>({ windowMs, maxEntries });
}

test('an impression after its vector joins at once; the vector stays for more impressions', () => {
  const join = window();
  assert.deepEqual(join.offerVector('e1', 'v1', at(V, 0), 0), []);
  assert.deepEqual(join.offerImpression('e1', 'i1', at(I, 0), 10), [
    { kind: 'joined', impression: 'i1', vector: 'v1', source: at(I, 0) },
  ]);
  assert.deepEqual(kinds(join.offerImpression('e1', 'i2', at(I, 1), 20)), ['joined']);
  assert.deepEqual(join.expire(100), [{ kind: 'vector_closed', eventId: 'e1', joined: 2 }]);
  assert.equal(join.size, 0);
});

test('impressions waiting for their vector join when it comes', () => {
  const join = window();
  assert.deepEqual(join.offerImpression('e1', 'i1', at(I, 0), 0), []);
  assert.deepEqual(join.offerImpression('e1', 'i2', at(I, 1), 5), []);
  const outcomes = join.offerVector('e1', 'v1', at(V, 0), 50);
  assert.deepEqual(
    outcomes.map((outcome) => (outcome.kind === 'joined' ? outcome.impression : outcome.kind)),
    ['i1', 'i2'],
  );
});

test('an impression whose vector does not come within the window is missing_vector; a later vector is late', () => {
  const join = window();
  join.offerImpression('e1', 'i1', at(I, 0), 0);
  assert.deepEqual(join.expire(99), []);
  assert.deepEqual(join.expire(100), [{ kind: 'missing_vector', impression: 'i1', source: at(I, 0) }]);
  assert.deepEqual(join.offerVector('e1', 'v1', at(V, 0), 150), [{ kind: 'late_vector', eventId: 'e1' }]);
  assert.equal(join.size, 0);
});

test('a vector without impressions is unmatched; an impression after it left is late_impression', () => {
  const join = window();
  join.offerVector('e1', 'v1', at(V, 0), 0);
  assert.deepEqual(join.expire(100), [{ kind: 'unmatched_vector', eventId: 'e1' }]);
  assert.deepEqual(kinds(join.offerImpression('e1', 'i1', at(I, 0), 120)), ['late_impression']);
});

test('past maxEntries the oldest entry is evicted and counted', () => {
  const join = window(1_000, 2);
  join.offerImpression('e1', 'i1', at(I, 0), 0);
  join.offerVector('e2', 'v2', at(V, 0), 1);
  assert.deepEqual(join.offerImpression('e3', 'i3', at(I, 1), 2), [
    { kind: 'evicted_impression', impression: 'i1', source: at(I, 0) },
  ]);
  assert.deepEqual(join.offerImpression('e4', 'i4', at(I, 2), 3), [
    { kind: 'evicted_vector', eventId: 'e2', joined: 0 },
  ]);
  assert.equal(join.size, 2);
});

test('every record ends in exactly one outcome (nothing dropped silently)', () => {
  const join = window(30, 8);
  let impressions = 0;
  let vectors = 0;
  const counted = new Map<string, number>();
  const count = (outcomes: readonly JoinOutcome<string, string>[]) => {
    for (const outcome of outcomes) {
      counted.set(outcome.kind, (counted.get(outcome.kind) ?? 0) + 1);
    }
  };
  // A deterministic mix: vectors come for 3 events out of 4, impressions for 4 of 5, in shuffled order.
  let vectorOffset = 0;
  let impressionOffset = 0;
  for (let step = 0; step < 400; step++) {
    const event = `e${Math.floor((step * 7) % 97)}`;
    if (step % 3 === 0 && step % 4 !== 3) {
      vectors++;
      count(join.offerVector(`${event}-${step % 11}`, 'v', at(V, vectorOffset++), step));
    } else if (step % 5 !== 4) {
      impressions++;
      count(join.offerImpression(`${event}-${(step + 3) % 11}`, 'i', at(I, impressionOffset++), step));
    }
  }
  count(join.expire(10_000));
  const n = (kind: string) => counted.get(kind) ?? 0;
  assert.equal(join.size, 0);
  assert.equal(
    n('joined') + n('missing_vector') + n('late_impression') + n('evicted_impression'),
    impressions,
  );
  assert.equal(n('vector_closed') + n('unmatched_vector') + n('late_vector') + n('evicted_vector'), vectors);
});

test('committable offsets stop at the oldest held record of each partition', () => {
  const join = window();
  join.offerVector('e1', 'v1', at(V, 0), 0);
  join.offerImpression('e2', 'i2', at(I, 0), 1); // waits
  join.offerImpression('e1', 'i1', at(I, 1), 2); // joins, released at once
  join.offerImpression('e9', 'i9', at(I, 0, 3), 3); // another partition
  const offsets = (list: ReturnType<typeof join.committableOffsets>) =>
    Object.fromEntries(list.map(({ topic, partition, offset }) => [`${topic}:${partition}`, offset]));
  assert.deepEqual(offsets(join.committableOffsets()), {
    [`${V}:0`]: '0',
    [`${I}:0`]: '0',
    [`${I}:3`]: '0',
  });
  join.offerVector('e2', 'v2', at(V, 1), 4); // releases i2
  assert.deepEqual(offsets(join.committableOffsets()), { [`${V}:0`]: '0', [`${I}:0`]: '2', [`${I}:3`]: '0' });
  join.expire(200);
  assert.deepEqual(offsets(join.committableOffsets()), { [`${V}:0`]: '2', [`${I}:0`]: '2', [`${I}:3`]: '1' });
});

test('a redelivered record (the consumer rewound) resets the window, which then rebuilds from the replay', () => {
  const join = window();
  join.offerImpression('e1', 'i1', at(I, 0), 0);
  join.offerVector('e2', 'v2', at(V, 0), 1);
  const outcomes = join.offerImpression('e1', 'i1', at(I, 0), 2);
  assert.deepEqual(outcomes, [{ kind: 'rewound', dropped: 2 }]);
  assert.equal(join.size, 1);
  assert.deepEqual(kinds(join.offerVector('e1', 'v1', at(V, 0), 3)), ['joined']);
});

test('rejects a negative window and a zero bound, naming the option', () => {
  assert.throws(() => window(-1), /JoinWindow.windowMs/);
  assert.throws(() => window(1, 0), /JoinWindow.maxEntries/);
});
