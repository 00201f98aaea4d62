// Shared helpers for the workerd tests: seeding site configs and posting batches.
import { env, exports } from "cloudflare:workers";
import { clearConfigCache } from "../../worker/config/load.ts";
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

/** Stores templates/default-config.json under another site id (plus `patch`); clears the cache. */
export async function seedSite(site: string, patch: Record<string, unknown> = {}) {
  const config = { ...defaultConfig, site, origins: [ORIGIN], ...patch };
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

export function getJson(path: string, headers: Record<string, string> = ADMIN) {
  return exports.default.fetch(`http://nudge.test${path}`, { headers });
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
