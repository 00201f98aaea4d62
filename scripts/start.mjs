// `npm start`: the whole local stack. The worker (wrangler dev, NUDGE_ENV=development) on
// http://127.0.0.1:8787 and the demo store on http://127.0.0.1:8080 (NUDGE_WORKER_PORT,
// NUDGE_DEMO_PORT; wrangler's local state in NUDGE_PERSIST_TO, default .wrangler/state). Creates
// .dev.vars with local-only secrets when absent, and seeds the local KV with the demo config, its
// origins set to the demo store's port, when absent or made for another port. Without
// RESEND_API_KEY, email goes to the dev outbox at http://127.0.0.1:8787/_dev/outbox. The banner
// prints once the worker and the store answer; wrangler dev's output is also written to
// .nudge-local/nudge.log.
//
// Shutdown: Ctrl-C, SIGTERM or SIGHUP stop everything. wrangler dev runs in its own process
// group (npx → wrangler → workerd, esbuild), so stopping signals the whole group, escalating to
// SIGKILL after a grace period; and if whoever started us dies without passing the signal on
// (`npm start` killed with SIGTERM does that), we notice the orphaning and stop too.
import { spawn, spawnSync } from "node:child_process";
import {
  appendFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { clearInterval, clearTimeout, setInterval, setTimeout } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createDemoServer } from "../demo/server.mjs";
import { createNoiseFilter } from "./wrangler-output.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

/** A port from the environment: a whole number from 1 to 65535, else npm start stops here. */
function port(name, fallback) {
  const v = process.env[name] ?? String(fallback);
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) {
    console.error(`${name}=${v} is not a port (a whole number from 1 to 65535)`);
    process.exit(2);
  }
  return Number(v);
}
const WORKER_PORT = port("NUDGE_WORKER_PORT", 8787);
const DEMO_PORT = port("NUDGE_DEMO_PORT", 8080);
if (WORKER_PORT === DEMO_PORT) {
  console.error(`NUDGE_WORKER_PORT and NUDGE_DEMO_PORT are both ${DEMO_PORT}: they must differ`);
  process.exit(2);
}
const PERSIST = process.env.NUDGE_PERSIST_TO ?? ".wrangler/state";
const GRACE_MS = 5000;

if (!existsSync(".dev.vars")) {
  writeFileSync(
    ".dev.vars",
    [
      "# Local-only values written by `npm start`; never used in production. NUDGE_ENV is not",
      "# here: wrangler reads only the declared secrets from this file (npm start passes it).",
      "NUDGE_SECRET=local-dev-secret-not-for-production",
      "ADMIN_TOKEN=dev-admin-token",
      "RESEND_WEBHOOK_SECRET=whsec_bG9jYWwtZGV2LXdlYmhvb2stc2VjcmV0",
      "RESEND_API_KEY=",
      "",
    ].join("\n"),
  );
  console.log("wrote .dev.vars (local secrets; admin token: dev-admin-token)");
}
// The key the store's backend uses for POST /v1/events (random per checkout, local only).
if (!/^NUDGE_SERVER_KEY=/m.test(readFileSync(".dev.vars", "utf8"))) {
  const key = randomBytes(24).toString("hex");
  appendFileSync(".dev.vars", `NUDGE_SERVER_KEY=${key}\n`);
  console.log(`wrote NUDGE_SERVER_KEY to .dev.vars (for POST /v1/events): ${key}`);
}

// Local signing secrets for the platform webhooks (POST /webhooks/<platform>/demo), so a signed
// test delivery can be sent with the install guides' commands.
const PLATFORM_SECRETS = {
  SHOPIFY_WEBHOOK_SECRET: "local-shopify-secret",
  WOOCOMMERCE_WEBHOOK_SECRET: "local-woocommerce-secret",
  STRIPE_WEBHOOK_SECRET: "whsec_local_stripe_secret",
};
for (const [name, value] of Object.entries(PLATFORM_SECRETS)) {
  if (!new RegExp(`^${name}=`, "m").test(readFileSync(".dev.vars", "utf8")))
    appendFileSync(".dev.vars", `${name}=${value}\n`);
}
// wrangler dev reads from .dev.vars only the secrets wrangler.toml declares (`[secrets]
// required`): every value in it is passed as a var as well, so the server key, the webhook
// secrets and the rest reach the worker whatever that list holds. NUDGE_ENV is set below.
const devVars = readFileSync(".dev.vars", "utf8")
  .split("\n")
  .filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l) && !l.startsWith("NUDGE_ENV="))
  .flatMap((l) => ["--var", l.replace("=", ":").trim()]);

/**
 * wrangler's environment: no usage metrics, and no fetch of a `request.cf` sample from Cloudflare
 * (local requests get workerd's placeholder, as when that fetch fails); either can be turned
 * back on from the environment.
 */
const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
};
const noise = createNoiseFilter();
const show = (lines, to = process.stdout) => {
  for (const l of lines) to.write(`${l}\n`);
};
/** A short wrangler command; its output goes through the noise filter. */
const wrangler = (args) =>
  spawnSync("npx", ["wrangler", ...args], { encoding: "utf8", env: wranglerEnv });
const showOutput = (r) => {
  for (const [text, to] of [
    [r.stdout, process.stdout],
    [r.stderr, process.stderr],
  ]) {
    show((text ?? "").split("\n").flatMap(noise.push), to);
    show(noise.flush(), to);
  }
};

// The demo config with the demo store's actual origin: its origins and links name port 8080, so
// on another NUDGE_DEMO_PORT the stored config would refuse the store's events.
const demoOrigin = `http://127.0.0.1:${DEMO_PORT}`;
const demoConfig = readFileSync("demo/site-config.json", "utf8")
  .replaceAll("http://127.0.0.1:8080", demoOrigin)
  .replaceAll("http://localhost:8080", `http://localhost:${DEMO_PORT}`);
const DEMO_CONFIG_PATH = ".nudge-local/demo-site-config.json";
mkdirSync(".nudge-local", { recursive: true });
writeFileSync(DEMO_CONFIG_PATH, demoConfig);

/** The stored site:demo's origins, or null when there is none (or it is unreadable). */
function storedOrigins(stdout) {
  try {
    const v = JSON.parse(stdout.slice(stdout.indexOf("{")));
    return Array.isArray(v?.origins) ? v.origins : null;
  } catch {
    return null;
  }
}

const kvArgs = ["--binding", "NUDGE_CONFIG", "--local", "--persist-to", PERSIST];
const existing = wrangler(["kv", "key", "get", "site:demo", ...kvArgs]);
const origins = existing.status === 0 ? storedOrigins(existing.stdout) : null;
if (!origins?.includes(demoOrigin)) {
  const put = wrangler(["kv", "key", "put", "site:demo", ...kvArgs, "--path", DEMO_CONFIG_PATH]);
  showOutput(put);
  if (put.status !== 0) process.exit(put.status ?? 1);
  console.log(
    origins
      ? `re-seeded site:demo in the local KV: its origins did not include ${demoOrigin}`
      : `seeded the local KV with demo/site-config.json as site:demo (origin ${demoOrigin})`,
  );
}

// Everything wrangler dev prints is kept in the log file as it comes (`npx nudge logs` reads the
// worker's JSON lines out of it); the terminal gets it less the repeats.
const LOG_PATH = ".nudge-local/nudge.log";
const logFile = createWriteStream(LOG_PATH);
const dev = spawn(
  "npx",
  [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(WORKER_PORT),
    "--persist-to",
    PERSIST,
    "--show-interactive-dev-session=false",
    ...devVars,
    // Development here only: wrangler.toml's NUDGE_ENV ("production") is what deploys.
    "--var",
    "NUDGE_ENV:development",
  ],
  { stdio: ["ignore", "pipe", "pipe"], detached: true, env: wranglerEnv },
);
for (const [stream, to] of [
  [dev.stdout, process.stdout],
  [dev.stderr, process.stderr],
]) {
  let rest = "";
  let idle;
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    logFile.write(chunk);
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    show(lines.flatMap(noise.push), to);
    // A warning is held until its end shows; when nothing follows, show it anyway.
    clearTimeout(idle);
    idle = setTimeout(() => show(noise.flush(), to), 300);
  });
  stream.on("end", () => {
    show([...(rest ? noise.push(rest) : []), ...noise.flush()], to);
    rest = "";
  });
}
const demo = createDemoServer({ worker: `http://127.0.0.1:${WORKER_PORT}`, site: "demo" });

/** Signals wrangler's whole process group; false once the group is gone. */
function signalDev(signal) {
  try {
    process.kill(-dev.pid, signal);
    return true;
  } catch {
    return false;
  }
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  demo.close();
  demo.closeAllConnections?.();
  signalDev("SIGINT");
  const started = Date.now();
  const poll = setInterval(() => {
    // signal 0 only probes: the group is gone once no member is left.
    if (!signalDev(0)) {
      clearInterval(poll);
      process.exit(code);
    }
    if (Date.now() - started > GRACE_MS) {
      signalDev("SIGKILL");
      clearInterval(poll);
      process.exit(code);
    }
  }, 100);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(0));
process.on("uncaughtException", (err) => {
  console.error(err);
  stop(1);
});

// Orphaned (our parent exited without telling us): stop rather than run on unattended.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(0);
}, 1000);

demo.on("error", (err) => {
  console.error(`demo store could not listen on 127.0.0.1:${DEMO_PORT}: ${err.message}`);
  stop(1);
});
/**
 * The demo store's products in the worker's catalog (POST /v1/catalog, once the worker answers),
 * so its emails show catalog prices and suggestions. Best effort: the demo works without it.
 */
async function pushDemoCatalog() {
  const worker = `http://127.0.0.1:${WORKER_PORT}`;
  const key = /^NUDGE_SERVER_KEY=(.+)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
  const products = JSON.parse(readFileSync("demo/products.json", "utf8"));
  const base = `http://127.0.0.1:${DEMO_PORT}`;
  const body = JSON.stringify({
    site: "demo",
    products: products.map((p) => ({
      id: p.id,
      name: p.name,
      price: p.price,
      currency: p.currency,
      url: `${base}/p/${p.id}`,
      image: `${base}/img/${p.id}.svg`,
      category: "shop",
    })),
  });
  for (let i = 0; i < 120 && !stopping; i++) {
    try {
      const res = await globalThis.fetch(`${worker}/v1/catalog`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body,
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
}

/** Whether `url` answers 200 now. */
async function answers(url) {
  try {
    const res = await globalThis.fetch(url, { signal: globalThis.AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The banner, once the worker answers /_ping and the demo store its home page. */
async function announceWhenReady() {
  const worker = `http://127.0.0.1:${WORKER_PORT}`;
  while (!stopping && !((await answers(`${worker}/_ping`)) && (await answers(`${demoOrigin}/`))))
    await sleep(500);
  if (stopping) return;
  noise.started();
  void pushDemoCatalog();
  const token = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
  console.log(
    [
      "",
      "  Nudge is running. Ctrl-C stops it.",
      `  demo store   ${demoOrigin}`,
      `  worker       ${worker}  (snippet at /nudge.js)`,
      `  dev outbox   ${worker}/_dev/outbox`,
      `  dashboard    ${worker}/admin  (admin token: ${token || "ADMIN_TOKEN in .dev.vars"})`,
      `  logs         ${LOG_PATH}  (npx nudge logs --follow ${LOG_PATH})`,
      "",
    ].join("\n"),
  );
}

demo.listen(DEMO_PORT, "127.0.0.1", () => void announceWhenReady());

dev.on("exit", (code) => {
  if (stopping) return;
  // wrangler itself ended (a crash or a port in use): take the rest of its group and the demo down.
  stop(code ?? 1);
});
