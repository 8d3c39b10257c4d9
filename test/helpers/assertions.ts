import Anthropic from "@anthropic-ai/sdk";
import { expect } from "vitest";

export type ApiErrorOf = InstanceType<typeof Anthropic.APIError> & { error: { error: { type: string; message: string } } };

/** Asserts the SDK call rejected with this HTTP status and Anthropic error type; returns the error. */
export async function expectApiError(promise: Promise<unknown>, status: number, type: string): Promise<ApiErrorOf> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "request should have failed").toBeInstanceOf(Anthropic.APIError);
  const apiError = err as ApiErrorOf;
  expect(apiError.status).toBe(status);
  expect(apiError.error.error.type).toBe(type);
  return apiError;
}

/** Walks an SDK page iterator to the end, as a user's `for await` would. */
export async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of pages) out.push(item);
  return out;
}
