// `npm start`: the whole local stack. The worker (wrangler dev) on http://127.0.0.1:8787 and the
// demo store on http://127.0.0.1:8080. Creates .dev.vars with local-only secrets and seeds the
// local KV with the demo config when they are absent. Without RESEND_API_KEY, email goes to the
// dev outbox at http://127.0.0.1:8787/_dev/outbox.
//
// Shutdown: Ctrl-C, SIGTERM or SIGHUP stop everything. wrangler dev runs in its own process
// group (npx → wrangler → workerd, esbuild), so stopping signals the whole group, escalating to
// SIGKILL after a grace period; and if whoever started us dies without passing the signal on
// (`npm start` killed with SIGTERM does that), we notice the orphaning and stop too.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createDemoServer } from "../demo/server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const WORKER_PORT = Number(process.env.NUDGE_WORKER_PORT ?? 8787);
const DEMO_PORT = Number(process.env.NUDGE_DEMO_PORT ?? 8080);
const PERSIST = process.env.NUDGE_PERSIST_TO ?? ".wrangler/state";
const GRACE_MS = 5000;

if (!existsSync(".dev.vars")) {
  writeFileSync(
    ".dev.vars",
    [
      "# Local-only values written by `npm start`; never used in production.",
      "NUDGE_ENV=development",
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
// test delivery can be sent with the install guides' commands. Not declared secrets of the
// worker (a store sets only the ones it uses), so they are passed as vars below.
const PLATFORM_SECRETS = {
  SHOPIFY_WEBHOOK_SECRET: "local-shopify-secret",
  WOOCOMMERCE_WEBHOOK_SECRET: "local-woocommerce-secret",
  STRIPE_WEBHOOK_SECRET: "whsec_local_stripe_secret",
};
for (const [name, value] of Object.entries(PLATFORM_SECRETS)) {
  if (!new RegExp(`^${name}=`, "m").test(readFileSync(".dev.vars", "utf8")))
    appendFileSync(".dev.vars", `${name}=${value}\n`);
}
// wrangler reads only the secrets wrangler.toml requires from .dev.vars; the optional ones (Resend,
// the server key, the platforms) are passed as vars, when set.
const OPTIONAL_SECRETS = [
  ...Object.keys(PLATFORM_SECRETS),
  "RESEND_API_KEY",
  "RESEND_WEBHOOK_SECRET",
  "NUDGE_SERVER_KEY",
];
const optionalVars = readFileSync(".dev.vars", "utf8")
  .split("\n")
  .filter((l) => OPTIONAL_SECRETS.some((n) => l.startsWith(`${n}=`)) && !l.endsWith("="))
  .flatMap((l) => ["--var", l.replace("=", ":")]);

const wrangler = (args, opts = {}) =>
  spawnSync("npx", ["wrangler", ...args], { encoding: "utf8", ...opts });

const kvArgs = ["--binding", "NUDGE_CONFIG", "--local", "--persist-to", PERSIST];
const existing = wrangler(["kv", "key", "get", "site:demo", ...kvArgs]);
if (existing.status !== 0 || !existing.stdout.includes('"site"')) {
  const put = wrangler(
    ["kv", "key", "put", "site:demo", ...kvArgs, "--path", "demo/site-config.json"],
    {
      stdio: "inherit",
    },
  );
  if (put.status !== 0) process.exit(put.status ?? 1);
  console.log("seeded local KV with demo/site-config.json as site:demo");
}

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
    // Only declared secrets are read from .dev.vars: the environment is passed as a var.
    "--var",
    "NUDGE_ENV:development",
    ...optionalVars,
  ],
  { stdio: "inherit", detached: true },
);
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

demo.listen(DEMO_PORT, "127.0.0.1", () => {
  void pushDemoCatalog();
  console.log(`\n  demo store   http://127.0.0.1:${DEMO_PORT}`);
  console.log(`  worker       http://127.0.0.1:${WORKER_PORT}  (snippet at /nudge.js)`);
  console.log(`  dev outbox   http://127.0.0.1:${WORKER_PORT}/_dev/outbox`);
  console.log(`  dashboard    http://127.0.0.1:${WORKER_PORT}/admin  (token: see .dev.vars)\n`);
});

dev.on("exit", (code) => {
  if (stopping) return;
  // wrangler itself ended (a crash or a port in use): take the rest of its group and the demo down.
  stop(code ?? 1);
});
