// `nudge send-event SITE --name NAME (--email E | --vid V) [--data JSON] [--id ID] [--at TIME]`:
// sends one server event to POST /v1/events of a running worker, for trying the server API by
// hand. Checked first with the worker's own schema, so a mistake is reported here, by path.
// `nudge key`: prints a new random NUDGE_SERVER_KEY and how to install it.
// Exit codes: 0 ok, 1 failure (auth, unknown site, network), 2 usage or invalid event.
import { randomBytes, randomUUID } from "node:crypto";
import { SERVER_ONLY_EVENTS, ServerBatchSchema } from "../worker/ingest/server-wire.ts";
import { BUILTIN_EVENTS } from "../worker/ingest/wire.ts";
import { zodIssues } from "../worker/lib/errors.ts";
import { SITE_ID } from "../worker/lib/ids.ts";
import { fetchFailure, parseArgs, serverTarget, UsageError, type Io } from "./args.ts";

export const SEND_EVENT_USAGE =
  "usage: nudge send-event SITE --name NAME (--email EMAIL | --vid VID) [--data JSON] [--id ID]\n" +
  "                        [--at ISO-TIME] [--url URL] [--key KEY]\n" +
  "  NAME: page, product, cart, checkout, purchase, identify, consent, form_start, form_submit,\n" +
  "        unsubscribe, resubscribe, or any custom event name\n" +
  "  key: --key or NUDGE_SERVER_KEY; url: --url, NUDGE_URL or http://127.0.0.1:8787";

const FLAGS = {
  name: "value",
  email: "value",
  vid: "value",
  data: "value",
  id: "value",
  at: "value",
  url: "value",
  key: "value",
} as const;
/** Names sent as themselves; any other name is a custom event (`track`). */
const BUILTIN = new Set<string>([...BUILTIN_EVENTS, ...SERVER_ONLY_EVENTS]);
const TIMEOUT_MS = 20_000;

export interface SendEventDeps {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
}

export async function runSendEvent(
  args: string[],
  io: Io,
  deps: SendEventDeps = { fetch: globalThis.fetch, env: process.env },
): Promise<number> {
  const usage = (message: string) => {
    io.err(`nudge send-event: ${message}\n${SEND_EVENT_USAGE}`);
    return 2;
  };
  let positional: string[];
  let opts: Record<string, string | true>;
  try {
    ({ positional, opts } = parseArgs(args, FLAGS));
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  const str = (k: keyof typeof FLAGS) => (typeof opts[k] === "string" ? opts[k] : undefined);
  const site = positional[0];
  if (positional.length !== 1 || !site) return usage("one SITE id is required");
  if (!SITE_ID.test(site)) return usage(`"${site}" is not a valid site id`);
  const name = str("name");
  if (!name) return usage("--name is required");
  let data: unknown = {};
  const rawData = str("data");
  if (rawData !== undefined) {
    try {
      data = JSON.parse(rawData);
    } catch {
      return usage("--data is not valid JSON");
    }
  }
  const email = str("email");
  const event: Record<string, unknown> = {
    id: str("id") ?? randomUUID(),
    name: BUILTIN.has(name) ? name : "track",
    ...(BUILTIN.has(name) ? {} : { event: name }),
    ...(email ? { email } : {}),
    ...(str("vid") ? { vid: str("vid") } : {}),
    ...(str("at") ? { at: str("at") } : {}),
    data:
      name === "identify" && email && typeof data === "object" && data !== null
        ? { email, ...data }
        : data,
  };
  const batch = { site, events: [event] };
  const parsed = ServerBatchSchema.safeParse(batch);
  if (!parsed.success) {
    io.err("nudge send-event: the event is not valid:");
    for (const i of zodIssues(parsed.error.issues)) io.err(`  ${i.path}: ${i.message}`);
    return 2;
  }
  const target = serverTarget(opts, deps.env, "/v1/events");
  if (!target.ok) return usage(target.problem);
  const { key, url } = target;
  let res: Response;
  try {
    res = await deps.fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(batch),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = fetchFailure(err);
    io.err(`nudge send-event: cannot reach ${url.origin} (${cause}). Set --url or NUDGE_URL.`);
    return 1;
  }
  const text = await res.text();
  if (res.status === 202) {
    io.out(`${url.origin} accepted event ${String(event.id)}: ${text}`);
    return 0;
  }
  const hint =
    res.status === 401
      ? " (use the worker's NUDGE_SERVER_KEY)"
      : res.status === 404
        ? " (no config is stored for this site, or --url is not a Nudge worker)"
        : "";
  io.err(`nudge send-event: ${url.origin} answered ${res.status}${hint}: ${text}`);
  return 1;
}

/** `nudge key`: a new random server key (256 bits) and how to install and use it. */
export function runKey(args: string[], io: Io): number {
  if (args.length > 0) {
    const flag = args.find((a) => a.startsWith("--"));
    io.err(
      `nudge key: ${flag ? `unknown option ${flag}` : "takes no arguments"}\nusage: nudge key`,
    );
    return 2;
  }
  const key = randomBytes(32).toString("hex");
  io.out(key);
  io.err(
    [
      "",
      "Install it on the worker and give it to the store's backend (never to a browser):",
      "  npx wrangler secret put NUDGE_SERVER_KEY     # paste the key above",
      "Then the backend sends events with  Authorization: Bearer <key>  to POST /v1/events,",
      "and signs a logged-in customer's address for nudge('identify', { email, user_hash }):",
      "  user_hash = hex HMAC-SHA256(key, email trimmed and lower-cased)",
      "See docs/server-events.md.",
    ].join("\n"),
  );
  return 0;
}
