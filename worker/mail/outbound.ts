// Which sender this environment uses: Resend with RESEND_API_KEY, else the dev outbox. Called by
// the Contact object's delivery (contact/delivery.ts) for every send.
import { devOutbox } from "./dev-outbox.ts";
import { OutboxSender } from "./outbox-sender.ts";
import { ResendSender } from "./resend-sender.ts";
import type { Sender } from "./sender.ts";

export function senderFor(env: Env): Sender {
  if (!env.RESEND_API_KEY) return new OutboxSender(devOutbox(env));
  const baseUrl = env.RESEND_BASE_URL;
  return new ResendSender({ apiKey: env.RESEND_API_KEY, ...(baseUrl ? { baseUrl } : {}) });
}
