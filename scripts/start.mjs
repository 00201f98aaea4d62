// `npm start`: the whole local stack. The worker (wrangler dev) on http://127.0.0.1:8787 and the
// demo store on http://127.0.0.1:8080. Creates .dev.vars with local-only secrets and seeds the
// local KV with the demo config when they are absent. Without RESEND_API_KEY, email goes to the
// dev outbox at http://127.0.0.1:8787/_dev/outbox.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createDemoServer } from "../demo/server.mjs";

const WORKER_PORT = Number(process.env.NUDGE_WORKER_PORT ?? 8787);
const DEMO_PORT = Number(process.env.NUDGE_DEMO_PORT ?? 8080);
const PERSIST = process.env.NUDGE_PERSIST_TO ?? ".wrangler/state";

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

const wrangler = (args, opts = {}) =>
  spawnSync("npx", ["wrangler", ...args], { encoding: "utf8", ...opts });

const existing = wrangler(["kv", "key", "get", "site:demo", "--binding", "NUDGE_CONFIG", "--local", "--persist-to", PERSIST]);
if (existing.status !== 0 || !existing.stdout.includes('"site"')) {
  const put = wrangler(
    ["kv", "key", "put", "site:demo", "--binding", "NUDGE_CONFIG", "--local", "--persist-to", PERSIST, "--path", "demo/site-config.json"],
    { stdio: "inherit" },
  );
  if (put.status !== 0) process.exit(put.status ?? 1);
  console.log("seeded local KV with demo/site-config.json as site:demo");
}

const dev = spawn(
  "npx",
  ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(WORKER_PORT), "--persist-to", PERSIST, "--show-interactive-dev-session=false"],
  { stdio: "inherit" },
);
const demo = createDemoServer({ worker: `http://127.0.0.1:${WORKER_PORT}`, site: "demo" });
demo.listen(DEMO_PORT, "127.0.0.1", () => {
  console.log(`\n  demo store   http://127.0.0.1:${DEMO_PORT}`);
  console.log(`  worker       http://127.0.0.1:${WORKER_PORT}  (snippet at /nudge.js)`);
  console.log(`  dev outbox   http://127.0.0.1:${WORKER_PORT}/_dev/outbox`);
  console.log(`  dashboard    http://127.0.0.1:${WORKER_PORT}/admin  (token: see .dev.vars)\n`);
});
const stop = () => {
  demo.close();
  dev.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => {
  demo.close();
  process.exit(code ?? 0);
});
