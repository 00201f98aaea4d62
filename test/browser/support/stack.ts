// Starts the real local stack for end-to-end tests: `wrangler dev` (workerd) on a free loopback
// port with its own persistence folder and a seeded site config, plus the demo store. What
// `wrangler dev` prints is captured in `logs`, not printed: a test prints it when it fails
// (./stack-logs.ts), and NUDGE_TEST_VERBOSE=1 streams it to stderr as it comes.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoServer } from "../../../demo/server.mjs";
import demoConfig from "../../../demo/site-config.json" with { type: "json" };

export const ADMIN_TOKEN = "e2e-admin-token";
/** The stack's NUDGE_SERVER_KEY (POST /v1/events). */
export const SERVER_KEY = "e2e-server-key-0123456789abcdef";
/** The stack's platform webhook secrets (POST /webhooks/<platform>/:site). */
export const SHOPIFY_SECRET = "e2e-shopify-secret";
export const WOOCOMMERCE_SECRET = "e2e-woocommerce-secret";
export const STRIPE_SECRET = "whsec_e2e_stripe_secret";

export interface Stack {
  worker: string;
  demo: string;
  persistTo: string;
  logs: string[];
  /** A request to the worker with the admin token (GET unless `init` says otherwise). */
  admin(path: string, init?: RequestInit): Promise<Response>;
  /**
   * The admin path of a contact: the address goes in the body of
   * POST /admin/api/contacts/<site>/lookup, only the contact id it returns goes in the URL.
   */
  contactPath(site: string, email: string): Promise<string>;
  /**
   * Kills `wrangler dev` and its workerd (the whole process group; SIGKILL by default: a crash,
   * no graceful shutdown) and starts it again on the same port and persistence folder, so
   * Durable Object storage and alarms survive. Resolves once the worker answers again.
   */
  restart(opts?: { signal?: NodeJS.Signals }): Promise<void>;
  stop(): Promise<void>;
  /** CPU time (ms, user + system) the runtime (every `workerd` process of this stack) has used
   * so far; null where /proc is missing (not Linux). Benches read the difference. */
  runtimeCpuMs(): number | null;
  /** The same per thread of the runtime, keyed "pid/tid": benches find the busiest thread. */
  runtimeThreadsCpuMs(): Map<string, number> | null;
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
  const config = {
    ...demoConfig,
    site,
    origins: [demo],
    links: { cart: `${demo}/cart`, shop: `${demo}/` },
    ...opts.config,
  };
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
    { encoding: "utf8", env: quietEnv() },
  );
  if (put.status !== 0) throw new Error(`seeding KV failed: ${put.stderr}`);

  const vars = {
    NUDGE_ENV: "test",
    ADMIN_TOKEN,
    NUDGE_SECRET: "e2e-secret-0123456789abcdef",
    RESEND_WEBHOOK_SECRET: "whsec_ZTJlLXdlYmhvb2stc2VjcmV0",
    RESEND_API_KEY: "",
    NUDGE_SERVER_KEY: SERVER_KEY,
    SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
    WOOCOMMERCE_WEBHOOK_SECRET: WOOCOMMERCE_SECRET,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    ...opts.vars,
  };
  const logs: string[] = [];
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(workerPort),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const echo = process.env.NUDGE_TEST_VERBOSE === "1";
  const keep = (lines: string[]) => {
    logs.push(...lines);
    if (echo) for (const l of lines) process.stderr.write(`[wrangler dev :${workerPort}] ${l}\n`);
  };
  /** Whole lines only: a chunk may end mid-line (the rest arrives with the next chunk). */
  const collector = (stream: NodeJS.ReadableStream | null) => {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      keep(lines.filter(Boolean));
    });
    stream?.on("end", () => {
      if (rest) keep([rest]);
      rest = "";
    });
  };
  const spawnWrangler = async (): Promise<ChildProcess> => {
    const c = spawn("npx", [...args, "--inspector-port", String(await freePort())], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      // The secrets in the environment too (same values as --var), or wrangler warns that
      // wrangler.toml's required secrets are missing.
      env: { ...quietEnv(), ...vars },
    });
    collector(c.stdout);
    collector(c.stderr);
    return c;
  };
  let child: ChildProcess = await spawnWrangler();

  const demoServer: Server = createDemoServer({ worker, site });
  await new Promise<void>((r) => demoServer.listen(demoPort, "127.0.0.1", r));

  /** Signals the whole process group (npx → wrangler → workerd) and waits for the exit. */
  const kill = async (signal: NodeJS.Signals, waitMs: number) => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs))]);
    }
  };
  /** SIGKILLs stragglers of the group (a workerd that outlived its parent); waits until gone. */
  const reap = async (pid: number | undefined) => {
    if (!pid) return;
    const alive = () => groupAlive(pid);
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* group is empty */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const stop = async () => {
    demoServer.close();
    const pid = child.pid;
    await kill("SIGTERM", 5000);
    await reap(pid);
    rmSync(persistTo, { recursive: true, force: true });
  };

  const ready = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        await stop();
        throw new Error(`wrangler dev exited early:\n${logs.slice(-30).join("\n")}`);
      }
      try {
        const res = await fetch(`${worker}/_ping`);
        if (res.ok) return;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`wrangler dev did not start in 90 s:\n${logs.slice(-30).join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await ready(90_000);

  const restart = async ({ signal = "SIGKILL" }: { signal?: NodeJS.Signals } = {}) => {
    const pid = child.pid;
    await kill(signal, 10_000);
    await reap(pid);
    // The port is free once workerd is gone; wait for that before binding it again.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await portInUse(workerPort))) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child = await spawnWrangler();
    await ready(90_000);
  };

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${worker}${path}`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        authorization: `Bearer ${ADMIN_TOKEN}`,
      },
    });

  return {
    worker,
    demo,
    persistTo,
    logs,
    admin,
    contactPath: async (site, email) => {
      const res = await admin(`/admin/api/contacts/${site}/lookup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
      if (res.status !== 200) throw new Error(`lookup: ${res.status} ${await res.text()}`);
      const { contact } = (await res.json()) as { contact: string };
      return `/admin/api/contacts/${site}/${contact}`;
    },
    restart,
    stop,
    runtimeCpuMs: () => (child.pid ? groupWorkerdCpuMs(child.pid) : null),
    runtimeThreadsCpuMs: () => (child.pid ? groupWorkerdThreadsCpuMs(child.pid) : null),
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** utime + stime, in ms, of a /proc stat line, and its comm and process group. */
function statCpu(stat: string): { comm: string; pgrp: number; ms: number } {
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  // After ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { comm, pgrp: Number(f[2]), ms: ((Number(f[11]) + Number(f[12])) * 1000) / USER_HZ };
}

/** The `workerd` processes in process group `pgid`: pid and CPU ms (utime + stime); null without
 * /proc. A process that exits meanwhile is left out. */
function groupWorkerd(pgid: number): { pid: string; ms: number }[] | null {
  if (!existsSync("/proc")) return null;
  const out: { pid: string; ms: number }[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const p = statCpu(readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (p.comm === "workerd" && p.pgrp === pgid) out.push({ pid, ms: p.ms });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** CPU ms (utime + stime) of the `workerd` processes in process group `pgid`; null without /proc. */
function groupWorkerdCpuMs(pgid: number): number | null {
  return groupWorkerd(pgid)?.reduce((sum, p) => sum + p.ms, 0) ?? null;
}

/**
 * CPU ms (utime + stime) of each thread of the `workerd` processes in process group `pgid`,
 * keyed by "pid/tid"; null without /proc. A thread that ended meanwhile is missing.
 */
function groupWorkerdThreadsCpuMs(pgid: number): Map<string, number> | null {
  const procs = groupWorkerd(pgid);
  if (!procs) return null;
  const out = new Map<string, number>();
  for (const { pid } of procs) {
    try {
      for (const tid of readdirSync(`/proc/${pid}/task`))
        out.set(`${pid}/${tid}`, statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8")).ms);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Whether any live (non-zombie) process is left in process group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc")) return true;
  // Linux: a zombie nobody reaps (no init in some containers) still answers kill(0).
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    } catch {
      /* exited meanwhile */
    }
  }
  return false;
}

/**
 * Loopback only: no usage metrics sent from the test machine, and no fetch of a `request.cf`
 * sample from Cloudflare (workerd uses its built-in placeholder, as it does when that fails).
 */
function quietEnv(): NodeJS.ProcessEnv {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
}

async function portInUse(port: number): Promise<boolean> {
  const s = createServer();
  const free = await new Promise<boolean>((r) => {
    s.once("error", () => r(false));
    s.listen(port, "127.0.0.1", () => r(true));
  });
  if (free) await new Promise((r) => s.close(r));
  return !free;
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
