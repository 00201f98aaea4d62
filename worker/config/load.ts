// Site config loader: reads `site:<id>` from KV, validates it, caches it in the isolate for a
// bounded time and keeps serving the last good version when a newer one fails validation.
// Called by routes and Durable Objects; decisions live in schema.ts.
import { log } from "../lib/log.ts";
import { configWarnings } from "./lint.ts";
import { parseSiteConfig, type SiteConfig } from "./schema.ts";

/** How long a config is served from the isolate cache before KV is read again. */
export const CONFIG_TTL_MS = 30_000;

interface Entry {
  config: SiteConfig | null;
  raw: string | null;
  fetchedAt: number;
}

const cache = new Map<string, Entry>();

export type ConfigResult =
  { ok: true; config: SiteConfig } | { ok: false; reason: "unknown_site" | "invalid_config" };

/** Forget cached configs (tests, and after `nudge push` in the same isolate). */
export function clearConfigCache(): void {
  cache.clear();
}

export async function loadSiteConfig(
  kv: KVNamespace,
  site: string,
  now = Date.now(),
): Promise<ConfigResult> {
  const hit = cache.get(site);
  if (hit && now - hit.fetchedAt < CONFIG_TTL_MS) return toResult(hit);
  const raw = await kv.get(`site:${site}`, { cacheTtl: 60 });
  if (hit && raw === hit.raw) {
    hit.fetchedAt = now;
    return toResult(hit);
  }
  if (raw === null) {
    const entry: Entry = { config: null, raw, fetchedAt: now };
    cache.set(site, entry);
    return { ok: false, reason: "unknown_site" };
  }
  const parsed = parseRaw(raw);
  if (parsed.ok) {
    if (parsed.config.site !== site) {
      log("error", "config.invalid", { site, reason: `config.site is "${parsed.config.site}"` });
    } else {
      const entry: Entry = { config: parsed.config, raw, fetchedAt: now };
      cache.set(site, entry);
      // A new version that loads but will likely never fire somewhere: said once per isolate.
      const warnings = configWarnings(parsed.config);
      if (warnings.length)
        log("warn", "config.warning", { site, reason: warnings.slice(0, 5).join("; ") });
      return toResult(entry);
    }
  } else {
    log("error", "config.invalid", { site, reason: parsed.errors.slice(0, 5).join("; ") });
  }
  // Keep serving the last good config (if any) and re-check after the TTL.
  const stale: Entry = { config: hit?.config ?? null, raw, fetchedAt: now };
  cache.set(site, stale);
  return stale.config
    ? { ok: true, config: stale.config }
    : { ok: false, reason: "invalid_config" };
}

function toResult(e: Entry): ConfigResult {
  if (e.config) return { ok: true, config: e.config };
  return { ok: false, reason: e.raw === null ? "unknown_site" : "invalid_config" };
}

function parseRaw(raw: string): ReturnType<typeof parseSiteConfig> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, errors: ["the stored config is not valid JSON"] };
  }
  return parseSiteConfig(json);
}
