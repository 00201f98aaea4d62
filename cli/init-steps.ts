// The steps of `nudge init` on the Cloudflare account, each through wrangler (cli/wrangler.ts):
// find or create the KV namespace, store the generated secrets the worker lacks, put the starter
// site config. Each returns what it did or a problem to print; none throws for wrangler's sake.
import { randomBytes } from "node:crypto";
import { DEPLOY_CONFIG, KV_ID, STATE_DIR } from "./deploy-config.ts";
import { wranglerTail, type Wrangler } from "./wrangler.ts";

/** The shortest secret a production worker accepts (worker/config/secrets.ts); init makes 43. */
export const SECRET_MIN_LENGTH = 32;

/** The secrets init makes: random, and never shown again after the run that made them. */
export const GENERATED_SECRETS = ["NUDGE_SECRET", "ADMIN_TOKEN", "NUDGE_SERVER_KEY"] as const;

export type Step<T> = ({ ok: true } & T) | { ok: false; problem: string };

/** The first JSON array or object in wrangler's output (it may print notes around it). */
export function jsonIn(text: string): unknown {
  for (let start = text.search(/[[{]/); start >= 0;) {
    const close = text[start] === "[" ? "]" : "}";
    // The longest candidate first: from this opening bracket to each closing one.
    for (let end = text.lastIndexOf(close); end > start; end = text.lastIndexOf(close, end - 1)) {
      try {
        return JSON.parse(text.slice(start, end + 1));
      } catch {
        /* a shorter one */
      }
    }
    const next = text.slice(start + 1).search(/[[{]/);
    start = next < 0 ? -1 : start + 1 + next;
  }
  return undefined;
}

/** The recorded namespace (checked to exist), else one titled `<worker>-NUDGE_CONFIG`, else a
 * new one. */
export async function kvNamespace(
  wrangler: Wrangler,
  name: string,
  recorded: string | undefined,
): Promise<Step<{ id: string; title: string; created: boolean }>> {
  const title = `${name}-NUDGE_CONFIG`;
  const list = await wrangler(["kv", "namespace", "list"]);
  const namespaces = jsonIn(list.stdout);
  if (list.code !== 0 || !Array.isArray(namespaces))
    return { ok: false, problem: `wrangler kv namespace list failed:\n${wranglerTail(list)}` };
  const found = (namespaces as { id?: unknown; title?: unknown }[]).filter(
    (n) => typeof n.id === "string" && (recorded ? n.id === recorded : n.title === title),
  );
  if (recorded && !found.length)
    return {
      ok: false,
      problem:
        `the KV namespace ${recorded} recorded in ${STATE_DIR}/deploy.json is not in this account ` +
        "(another account, or deleted): log wrangler into the right account, or remove " +
        '"kvNamespaceId" from that file to create a new namespace',
    };
  const existing = found[0];
  if (existing)
    return { ok: true, id: existing.id as string, title: String(existing.title), created: false };
  const create = await wrangler(["kv", "namespace", "create", title]);
  if (create.code !== 0)
    return { ok: false, problem: `wrangler kv namespace create failed:\n${wranglerTail(create)}` };
  // The id is in the config snippet wrangler prints; if that ever changes, in the list.
  let id = /\bid\s*[=:]\s*"([0-9a-f]{32})"/.exec(create.stdout)?.[1];
  if (!id) {
    const again = await wrangler(["kv", "namespace", "list"]);
    const all = jsonIn(again.stdout);
    const hit = Array.isArray(all)
      ? (all as { id?: unknown; title?: unknown }[]).find((n) => n.title === title)
      : undefined;
    if (typeof hit?.id === "string" && KV_ID.test(hit.id)) id = hit.id;
  }
  if (!id)
    return {
      ok: false,
      problem: `wrangler created the namespace ${title} but its id was not found:\n${wranglerTail(create)}`,
    };
  return { ok: true, id, title, created: true };
}

const randomSecret = () => randomBytes(32).toString("base64url");

/**
 * Stores each generated secret the worker does not have yet (by the state's record, then by
 * `wrangler secret list`), in one `wrangler secret bulk` fed through stdin. A worker that does
 * not exist yet is created empty by wrangler; `nudge deploy` puts the code in it.
 */
export async function storeSecrets(
  wrangler: Wrangler,
  name: string,
  recorded: string[],
): Promise<Step<{ names: string[]; made: Partial<Record<string, string>> }>> {
  const have = new Set(recorded);
  const config = ["--config", DEPLOY_CONFIG, "--name", name];
  if (GENERATED_SECRETS.some((s) => !have.has(s))) {
    const list = await wrangler(["secret", "list", ...config, "--format", "json"]);
    const listed = jsonIn(list.stdout);
    if (list.code === 0 && Array.isArray(listed)) {
      for (const s of listed as { name?: unknown }[])
        if (typeof s.name === "string") have.add(s.name);
    } else if (!new RegExp(`Worker "${name}"[^\n]* not found`).test(list.stderr + list.stdout)) {
      return { ok: false, problem: `wrangler secret list failed:\n${wranglerTail(list)}` };
    }
  }
  const made: Record<string, string> = {};
  for (const s of GENERATED_SECRETS) if (!have.has(s)) made[s] = randomSecret();
  for (const v of Object.values(made))
    if (v.length < SECRET_MIN_LENGTH) throw new Error("a generated secret is too short");
  if (Object.keys(made).length) {
    const bulk = await wrangler(["secret", "bulk", ...config], { input: JSON.stringify(made) });
    if (bulk.code !== 0 || !/successfully uploaded/i.test(bulk.stdout))
      return { ok: false, problem: `wrangler secret bulk failed:\n${wranglerTail(bulk)}` };
  }
  return { ok: true, names: [...new Set([...recorded, ...GENERATED_SECRETS])], made };
}

/** Puts the starter config at site:<site> unless a config is there (or `force`). */
export async function putSiteConfig(
  wrangler: Wrangler,
  namespaceId: string,
  site: string,
  file: string,
  force: boolean,
): Promise<Step<{ written: boolean }>> {
  const ns = ["--namespace-id", namespaceId, "--remote", "--config", DEPLOY_CONFIG];
  if (!force) {
    // `kv key list` rather than `kv key get`: a missing key is an empty list, not a crash report.
    const key = `site:${site}`;
    const list = await wrangler(["kv", "key", "list", ...ns, "--prefix", key]);
    const keys = jsonIn(list.stdout);
    if (list.code !== 0 || !Array.isArray(keys))
      return { ok: false, problem: `wrangler kv key list failed:\n${wranglerTail(list)}` };
    if ((keys as { name?: unknown }[]).some((k) => k.name === key))
      return { ok: true, written: false };
  }
  const put = await wrangler(["kv", "key", "put", `site:${site}`, ...ns, "--path", file]);
  if (put.code !== 0)
    return { ok: false, problem: `wrangler kv key put failed:\n${wranglerTail(put)}` };
  return { ok: true, written: true };
}
