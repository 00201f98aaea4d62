// The production Sender: the `resend` SDK (v6) with Idempotency-Key = ledger key, sanitized tags,
// a request timeout, and every failure classified as retryable or permanent (see SendResult).
import { Resend } from "resend";
import { sha256Hex } from "../lib/crypto.ts";
import type { OutgoingEmail, Sender, SendResult } from "./sender.ts";
import { parseRetryAfter } from "../lib/retry-after.ts";

export interface ResendSenderOptions {
  apiKey: string;
  /**
   * API base, e.g. env.RESEND_BASE_URL (tests point it at the fake on loopback). Passed to the
   * SDK's `baseUrl` option, so it works in workerd without relying on `process.env`.
   */
  baseUrl?: string;
  /** Abort a request after this long (ms); default 10 s. The retry reuses the idempotency key. */
  timeoutMs?: number;
}

const TAG_MAX = 256;

/** Maps any string onto Resend's tag alphabet `[A-Za-z0-9_-]{1,256}`. */
export function sanitizeTag(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, TAG_MAX);
  return clean || "_";
}

/** Resend caps Idempotency-Key at 256 chars: longer ledger keys are replaced by their SHA-256. */
export async function idempotencyKey(ledgerKey: string): Promise<string> {
  return ledgerKey.length <= 256 ? ledgerKey : `sha256-${await sha256Hex(ledgerKey)}`;
}

interface ResendError {
  message: string;
  statusCode: number | null;
  name: string;
}

/** Pure classification of a Resend SDK error (exported for tests). */
export function classifyResendError(
  err: ResendError,
  headers: Record<string, string> | null,
  timedOut: boolean,
  now: number,
): Extract<SendResult, { ok: false }> {
  const status = err.statusCode;
  if (status === null) {
    return { ok: false, retryable: true, reason: timedOut ? "timeout" : "network" };
  }
  const name = sanitizeTag(err.name || "error").toLowerCase();
  const reason = `http_${status}_${name}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers?.["retry-after"], now) ?? undefined;
    return {
      ok: false,
      retryable: true,
      reason,
      status,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  }
  if (status === 409) {
    // concurrent_idempotent_requests: the first request with this key is still in flight.
    // invalid_idempotent_request: the key was used with a different payload — a bug, not transient.
    return { ok: false, retryable: name !== "invalid_idempotent_request", reason, status };
  }
  if (status >= 500 || status === 408) return { ok: false, retryable: true, reason, status };
  return { ok: false, retryable: false, reason, status };
}

export class ResendSender implements Sender {
  private readonly client: Resend;
  private readonly timeoutMs: number;

  constructor(opts: ResendSenderOptions) {
    this.client = new Resend(
      opts.apiKey,
      opts.baseUrl ? { baseUrl: opts.baseUrl.replace(/\/+$/, "") } : {},
    );
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(msg: OutgoingEmail): Promise<SendResult> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(new Error("timeout")), this.timeoutMs);
    try {
      const res = await this.client.emails.send(
        {
          from: msg.from,
          to: msg.to,
          subject: msg.subject,
          html: msg.html,
          text: msg.text,
          headers: msg.headers,
          tags: msg.tags.map((t) => ({ name: sanitizeTag(t.name), value: sanitizeTag(t.value) })),
        },
        { idempotencyKey: await idempotencyKey(msg.idempotencyKey), signal: ctl.signal },
      );
      if (res.data) return { ok: true, id: res.data.id };
      if (res.error)
        return classifyResendError(res.error, res.headers, ctl.signal.aborted, Date.now());
      return { ok: false, retryable: true, reason: "empty_response" };
    } catch {
      // The SDK catches fetch errors itself; this is belt and braces (e.g. a body read abort).
      return { ok: false, retryable: true, reason: ctl.signal.aborted ? "timeout" : "network" };
    } finally {
      clearTimeout(timer);
    }
  }
}
