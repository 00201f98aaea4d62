// `nudge deploy [--dir DIR] [wrangler deploy options]`: writes wrangler.deploy.toml from the
// tracked wrangler.toml and the deployment nudge init recorded, then runs wrangler deploy with it,
// so upgrading is `git pull && npx nudge deploy`. Remembers the workers.dev address it prints.
// Exit codes: 0 deployed, 1 nothing recorded or wrangler failed, 2 usage.
import { join, resolve } from "node:path";
import type { Io } from "./args.ts";
import {
  DEPLOY_CONFIG,
  readState,
  STATE_DIR,
  TRACKED_CONFIG,
  writeDeployConfig,
  writeState,
} from "./deploy-config.ts";
import { defaultDeps } from "./init.ts";
import { workerBase } from "./next-steps.ts";

/** `nudge deploy [--dir DIR] [wrangler deploy options…]`. */
export async function runDeploy(args: string[], io: Io, deps = defaultDeps()): Promise<number> {
  const rest = [...args];
  const at = rest.indexOf("--dir");
  let dir = deps.cwd;
  if (at >= 0) {
    const d = rest[at + 1];
    if (d === undefined || d.startsWith("--")) {
      io.err(
        "nudge deploy: --dir needs a value\nusage: nudge deploy [--dir DIR] [wrangler deploy options]",
      );
      return 2;
    }
    dir = resolve(deps.cwd, d);
    rest.splice(at, 2);
  }
  if (rest.some((a) => a === "--config" || a === "-c" || a.startsWith("--config="))) {
    io.err(`nudge deploy: the config is always ${DEPLOY_CONFIG} (made from ${TRACKED_CONFIG})`);
    return 2;
  }
  const state = readState(dir);
  if (!state?.kvNamespaceId) {
    io.err(
      `nudge deploy: no deployment recorded in ${join(dir, STATE_DIR)}: run npx nudge init first`,
    );
    return 1;
  }
  writeDeployConfig(dir, state);
  io.out(
    `wrote ${DEPLOY_CONFIG} from ${TRACKED_CONFIG} (worker "${state.name}", KV ${state.kvNamespaceId})`,
  );
  const r = await deps.wrangler(dir)(["deploy", "--config", DEPLOY_CONFIG, ...rest], {
    echo: { out: io.out, err: io.err },
  });
  if (r.code !== 0) {
    io.err(`nudge deploy: wrangler deploy failed (exit ${r.code})`);
    return 1;
  }
  const url = /https:\/\/[a-z0-9-]+\.[a-z0-9-]+\.workers\.dev/.exec(r.stdout)?.[0];
  if (url && url !== state.workerUrl && !rest.includes("--dry-run")) {
    writeState(dir, { ...state, workerUrl: url });
    io.out(`recorded the worker's address: ${url}`);
  }
  if (!rest.includes("--dry-run"))
    io.out(`dashboard: ${workerBase({ ...state, workerUrl: url ?? state.workerUrl })}/admin`);
  return 0;
}
