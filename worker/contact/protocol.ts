// The Visitor → Contact delivery protocol (RPC argument and result types). Shared by both
// Durable Objects; no logic here.
import type { SendEffect } from "../engine/effects.ts";

export interface DeliverRequest {
  site: string;
  vid: string;
  effect: SendEffect;
  /** Attempt number (0-based) of this outbox row, for logs and backoff. */
  attempt: number;
}

export type DeliverOutcome =
  | { status: "sent"; id: string }
  /** The ledger already holds this key: it was sent before (a re-run or duplicate). */
  | { status: "duplicate" }
  | { status: "skipped"; reason: "suppressed" | "capped" | "no_consent" | "invalid_template" }
  | { status: "failed"; reason: string }
  | { status: "retry"; afterMs: number; reason: string };
