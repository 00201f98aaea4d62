// The Sender seam: how a rendered email leaves the system. Implementations: the Resend sender
// (production) and the dev outbox (no RESEND_API_KEY). The Contact object is the only caller.

export interface OutgoingEmail {
  /** Ledger key for (site, trigger, episode, step); sent to Resend as `Idempotency-Key`. */
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers: Record<string, string>;
  /** Resend tags: names and values match [A-Za-z0-9_-]{1,256}. */
  tags: { name: string; value: string }[];
}

export type SendResult =
  | { ok: true; id: string }
  | {
      ok: false;
      /** true: try again later (5xx, 429, 409, network, timeout); false: give up and record. */
      retryable: boolean;
      /** Server-advised wait (429 retry-after), in ms. */
      retryAfterMs?: number;
      /** Short machine-readable reason, e.g. "http_422_validation_error" or "timeout". */
      reason: string;
      status?: number;
    };

export interface Sender {
  send(msg: OutgoingEmail): Promise<SendResult>;
}
