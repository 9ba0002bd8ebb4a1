// The HalError a promise rejects with (the test fails if it resolves or rejects with anything else).
import { HalError } from '../../src/errors';

export async function rejection<E extends HalError = HalError>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HalError);
    return e as E;
  }
  throw new Error('expected a rejection');
}
