import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartBudget } from '../../src/core/restart-budget.ts';

test('restarts with growing delays until the budget is used up, then gives up', () => {
  const budget = new RestartBudget({ maxRestarts: 3, initialDelayMs: 1_000, maxDelayMs: 3_000 });
  assert.deepEqual(budget.failed(1), { restart: true, attempt: 1, delayMs: 1_000 });
  assert.deepEqual(budget.failed(1), { restart: true, attempt: 2, delayMs: 2_000 });
  assert.deepEqual(budget.failed(1), { restart: true, attempt: 3, delayMs: 3_000 });
  assert.deepEqual(budget.failed(1), { restart: false, failures: 4 });
  assert.deepEqual(budget.failed(1), { restart: false, failures: 5 }, 'and stays given up');
});

test('progress starts the count again, so failures far apart never add up', () => {
  const budget = new RestartBudget({ maxRestarts: 1 });
  for (let round = 0; round < 10; round++) {
    assert.equal(budget.failed().restart, true);
    assert.equal(budget.failuresInARow, 1);
    budget.succeeded();
    assert.equal(budget.failuresInARow, 0);
  }
});

test('no restarts at all: the first failure gives up', () => {
  assert.deepEqual(new RestartBudget({ maxRestarts: 0 }).failed(), { restart: false, failures: 1 });
});

test('a budget that is not a whole number ≥ 0 is refused', () => {
  assert.throws(() => new RestartBudget({ maxRestarts: -1 }), /maxRestarts/);
  assert.throws(() => new RestartBudget({ maxRestarts: 1.5 }), /maxRestarts/);
});
