// Starts the real local stack for end-to-end tests: `wrangler dev` (workerd) on a free loopback
// port with its own persistence folder and a seeded site config, plus the demo store.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoServer } from "../../../demo/server.mjs";
import demoConfig from "../../../demo/site-config.json" with { type: "json" };

export const ADMIN_TOKEN = "e2e-admin-token";

export interface Stack {
  worker: string;
  demo: string;
  persistTo: string;
  logs: string[];
  admin(path: string): Promise<Response>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

export interface StackOptions {
  site?: string;
  config?: Record<string, unknown>;
  vars?: Record<string, string>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const site = opts.site ?? "demo";
  const [workerPort, demoPort] = [await freePort(), await freePort()];
  const worker = `http://127.0.0.1:${workerPort}`;
  const demo = `http://127.0.0.1:${demoPort}`;
  const persistTo = mkdtempSync(join(tmpdir(), "nudge-e2e-"));
  const config = { ...demoConfig, site, origins: [demo], ...opts.config };
  const configPath = join(persistTo, "config.json");
  writeFileSync(configPath, JSON.stringify(config));
  const put = spawnSync(
    "npx",
    [
      "wrangler",
      "kv",
      "key",
      "put",
      `site:${site}`,
      "--binding",
      "NUDGE_CONFIG",
      "--local",
      "--persist-to",
      persistTo,
      "--path",
      configPath,
    ],
    { encoding: "utf8" },
  );
  if (put.status !== 0) throw new Error(`seeding KV failed: ${put.stderr}`);

  const vars = {
    NUDGE_ENV: "test",
    ADMIN_TOKEN,
    NUDGE_SECRET: "e2e-secret-0123456789abcdef",
    RESEND_WEBHOOK_SECRET: "whsec_ZTJlLXdlYmhvb2stc2VjcmV0",
    RESEND_API_KEY: "",
    ...opts.vars,
  };
  const logs: string[] = [];
  const child: ChildProcess = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(workerPort),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      "--inspector-port",
      String(await freePort()),
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const collect = (b: Buffer) => logs.push(...b.toString().split("\n").filter(Boolean));
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const demoServer: Server = createDemoServer({ worker, site });
  await new Promise<void>((r) => demoServer.listen(demoPort, "127.0.0.1", r));

  const stop = async () => {
    demoServer.close();
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(persistTo, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited early:\n${logs.slice(-30).join("\n")}`);
    }
    try {
      const res = await fetch(`${worker}/_ping`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not start in 90 s:\n${logs.slice(-30).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    worker,
    demo,
    persistTo,
    logs,
    admin: (path) =>
      fetch(`${worker}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    stop,
  };
}

/** Polls `check` until it returns a value or the deadline passes (bounded; no fixed sleeps). */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
