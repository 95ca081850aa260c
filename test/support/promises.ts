// Small promise helpers for tests.
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
