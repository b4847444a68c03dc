import assert from 'node:assert/strict';

/** Awaits a call that must fail with an error of `type`, and returns that error for further checks. */
export async function rejects<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(
      err instanceof type,
      `expected ${type.name}, got ${(err as Error).name}: ${(err as Error).message}`,
    );
    return err;
  }
  return assert.fail(`expected ${type.name}, but the call succeeded`);
}
