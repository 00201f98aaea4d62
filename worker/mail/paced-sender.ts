// A Sender decorator that spaces requests with the token bucket from retry.ts, so a burst of due
// emails in one isolate stays under the account's rate limit; every call still gets sent.
import { newBucket, reserve, type Bucket, type BucketConfig } from "./retry.ts";
import type { OutgoingEmail, Sender, SendResult } from "./sender.ts";

export interface PaceClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PaceClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export class PacedSender implements Sender {
  private bucket: Bucket;

  constructor(
    private readonly inner: Sender,
    private readonly cfg: BucketConfig = { ratePerSec: 2 },
    private readonly clock: PaceClock = realClock,
  ) {
    this.bucket = newBucket(cfg, clock.now());
  }

  async send(msg: OutgoingEmail): Promise<SendResult> {
    const r = reserve(this.bucket, this.cfg, this.clock.now());
    this.bucket = r.bucket;
    if (r.waitMs > 0) await this.clock.sleep(r.waitMs);
    return this.inner.send(msg);
  }
}
