// Shared helpers for the workerd tests: seeding site configs and posting batches.
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import type { OutboxJsonItem } from "../../worker/mail/outbox-view.ts";
import { clearConfigCache } from "../../worker/config/load.ts";
import { contactHash } from "../../worker/lib/crypto.ts";
import { contactStub } from "../../worker/lib/stubs.ts";
import defaultConfig from "../../templates/default-config.json";

export const ORIGIN = "http://127.0.0.1:8080";
export const ADMIN = { authorization: "Bearer test-admin-token" };

let seq = 0;
/** A fresh visitor id per call, so tests never share state. */
export function newVid(): string {
  seq++;
  return `v${Date.now().toString(36)}${seq.toString(36)}${crypto.randomUUID().slice(0, 8)}`.padEnd(
    20,
    "x",
  );
}

export function eventId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/**
 * Stores templates/default-config.json under another site id (plus `patch`); clears the cache.
 * Single opt-in unless `patch` says otherwise: most tests are not about confirming addresses.
 */
export async function seedSite(site: string, patch: Record<string, unknown> = {}) {
  const config = { ...defaultConfig, site, origins: [ORIGIN], optIn: "single", ...patch };
  await env.NUDGE_CONFIG.put(`site:${site}`, JSON.stringify(config));
  clearConfigCache();
  return config;
}

export function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch("http://nudge.test/e", {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8", origin: ORIGIN, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The test worker's NUDGE_SERVER_KEY (vitest.config.ts). */
export const SERVER_KEY = "test-server-key-0123456789abcdef0123";

/** POST /v1/events with the server key (the store's backend). */
export function serverPost(body: unknown): Promise<Response> {
  return exports.default.fetch("http://nudge.test/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${SERVER_KEY}` },
    body: JSON.stringify(body),
  });
}

export function getJson(path: string, headers: Record<string, string> = ADMIN) {
  return exports.default.fetch(`http://nudge.test${path}`, { headers });
}

/** Emails the dev outbox holds for `email`, oldest first (the test worker has no
 * RESEND_API_KEY; the outbox lists newest first). */
export async function outboxTo(email: string): Promise<OutboxJsonItem[]> {
  const res = await exports.default.fetch("http://nudge.test/_dev/outbox.json");
  if (res.status !== 200) throw new Error(`/_dev/outbox.json answered ${res.status}`);
  const body = await res.json<{ emails: OutboxJsonItem[] }>();
  return body.emails.filter((e) => e.to === email).reverse();
}

/** A fresh address per call. */
export function uniqueEmail(tag: string): string {
  return `${tag}.${crypto.randomUUID().slice(0, 8)}@example.com`;
}

/** Waits (bounded) until a visitor's outbox is empty, running its alarm when one is set (the
 * alarm also fires by itself; each run drains a bounded number of rows). */
export async function drain(site: string, vid: string): Promise<void> {
  const stub = env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    await runDurableObjectAlarm(stub);
    const snap = (await stub.snapshot()) as { outbox: unknown[] } | null;
    if ((snap?.outbox.length ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`outbox of ${vid} did not drain`);
}

/**
 * Test setup: makes `email` a verified address of `site`, as a confirmed opt-in would (the
 * visitor `vid`, or a fresh one, identifies first so the person exists). Tests that are not
 * about verification use it where order mail (exempt from the cap) must go out.
 */
export async function verifyAddress(site: string, email: string, vid = newVid()): Promise<void> {
  const res = await post({
    site,
    vid,
    events: [{ id: eventId(), name: "identify", data: { email } }],
  });
  if (res.status !== 202) throw new Error(`identify answered ${res.status}`);
  const contact = await contactHash(env.NUDGE_SECRET, site, email);
  const r = await contactStub(env, site, contact).verify(site, contact, "confirmed");
  if (!r.ok) throw new Error(`could not verify ${email}`);
}

/** POST /admin/api/contacts/<site>/lookup with `body` (JSON-encoded unless a string). */
export function lookup(site: string, body: unknown, headers: Record<string, string> = ADMIN) {
  return exports.default.fetch(`http://nudge.test/admin/api/contacts/${site}/lookup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The admin path of a contact, the way an operator gets it: the address goes in a lookup's
 * body, and only the contact id it returns goes in the URL. */
export async function contactPath(site: string, email: string): Promise<string> {
  const res = await lookup(site, { email });
  if (res.status !== 200) throw new Error(`lookup: ${res.status} ${await res.text()}`);
  const { contact } = await res.json<{ contact: string }>();
  return `/admin/api/contacts/${site}/${contact}`;
}

/** The trigger an outbox email was sent for (its `trigger` tag). */
export const triggerOf = (e: { tags: { name: string; value: string }[] }) =>
  e.tags.find((t) => t.name === "trigger")?.value;
