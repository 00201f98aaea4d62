// Fault-injection figures for `npm run bench`: 1,000 emails, 30 % injected 5xx/429/timeouts,
// through the real Resend SDK against the contract-validating fake on loopback.
import { runFaultInjection } from "../test/support/fault-run.ts";

export async function benchFaults(): Promise<Record<string, number | string>> {
  const { figures } = await runFaultInjection();
  return {
    faultEmails: Number(figures.emails),
    faultInjectedShare: Number(figures.fault_share),
    faultHttpRequests: Number(figures.http_requests),
    faultDeliveredOnce: Number(figures.distinct_sends_recorded),
    /** Distinct emails the fake Resend accepted (one per idempotency key). */
    faultSends: Number(figures.distinct_sends_recorded),
    faultDuplicates: Number(figures.keys_sent_more_than_once),
    faultLost: Number(figures.lost),
    faultSeconds: Number(figures.seconds),
  };
}
