// Pure parts of the Resend sender: tag sanitizing, Retry-After, error classification.
import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../lib/retry-after.ts";
import { classifyResendError, idempotencyKey, sanitizeTag } from "./resend-sender.ts";

describe("resend sender helpers", () => {
  it("sanitizes tags to [A-Za-z0-9_-]{1,256}", () => {
    expect(sanitizeTag("cart abandoned/2 ü")).toBe("cart_abandoned_2__");
    expect(sanitizeTag("")).toBe("_");
    expect(sanitizeTag("x".repeat(300))).toHaveLength(256);
  });
  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("2", 0)).toBe(2000);
    expect(parseRetryAfter("0.05", 0)).toBe(50);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000)).toBe(6000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
  it("classifies failures", () => {
    const c = (
      statusCode: number | null,
      name: string,
      h: Record<string, string> | null = null,
      t = false,
    ) => classifyResendError({ statusCode, name, message: "m" }, h, t, 0);
    expect(c(429, "rate_limit_exceeded", { "retry-after": "3" })).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 3000,
      reason: "http_429_rate_limit_exceeded",
      status: 429,
    });
    expect(c(500, "internal_server_error")).toMatchObject({
      retryable: true,
      reason: "http_500_internal_server_error",
    });
    expect(c(503, "application_error")).toMatchObject({ retryable: true });
    expect(c(409, "concurrent_idempotent_requests")).toMatchObject({ retryable: true });
    expect(c(409, "invalid_idempotent_request")).toMatchObject({
      retryable: false,
      reason: "http_409_invalid_idempotent_request",
    });
    expect(c(422, "validation_error")).toMatchObject({
      retryable: false,
      reason: "http_422_validation_error",
      status: 422,
    });
    expect(c(403, "invalid_api_key")).toMatchObject({ retryable: false });
    expect(c(null, "application_error", null, true)).toEqual({
      ok: false,
      retryable: true,
      reason: "timeout",
    });
    expect(c(null, "application_error")).toEqual({ ok: false, retryable: true, reason: "network" });
  });
  it("keeps idempotency keys within Resend's 256 characters", async () => {
    expect(await idempotencyKey("demo:t:e:0")).toBe("demo:t:e:0");
    expect(await idempotencyKey("k".repeat(300))).toMatch(/^sha256-[0-9a-f]{64}$/);
  });
});
