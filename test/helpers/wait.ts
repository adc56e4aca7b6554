/** Test helper (not a test): polls `condition` until it holds; fails the test naming `what` after `timeoutMs`. */
import assert from 'node:assert/strict';

export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
