// Small promise helpers for tests.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';

// The error a promise rejects with; fails the test if it resolves. Attach it at once, so the rejection is
// never unhandled while the test goes on.
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected the promise to reject');
}

// Resolves with 'settled' if the promise settles within ms, else 'pending'.
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  const settled = promise.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  return Promise.race([settled, sleep(ms, 'pending' as const)]);
}

// Polls until the condition holds; fails after timeoutMs instead of waiting for mocha's timeout.
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`The condition did not hold within ${timeoutMs} ms`);
    await sleep(2);
  }
}
