// CLI dispatch: parses the command line and hands each command to its module. Returns the exit
// code (0 ok, 1 failure, 2 usage) instead of exiting, so tests can call it directly.
import { runPull, runPush, runValidate } from "./config.ts";

export const USAGE = `usage: nudge <command> [options]

  validate FILE                          check a site config; errors name the path and problem
  push FILE [--local] [--persist-to DIR] validate, then write site:<id> to KV through wrangler
  pull SITE [--local] [--persist-to DIR] print the stored config of SITE
  render TEMPLATE --data FILE [--out DIR] render a template to HTML and text for preview
  stats SITE [--from DAY] [--to DAY] [--url URL] [--token T] [--json]
                                         print funnels, lift and skip reasons per trigger
                                         (token: NUDGE_ADMIN_TOKEN; url: NUDGE_URL)`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const stdio: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "validate":
        return await runValidate(rest, io);
      case "push":
        return await runPush(rest, io);
      case "pull":
        return await runPull(rest, io);
      case "render": {
        const { runRender } = await import("./render.ts");
        return await runRender(rest, io);
      }
      case "stats": {
        const { runStats } = await import("./stats.ts");
        return await runStats(rest, io);
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`nudge: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.err(`nudge ${command}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** Splits `--flag value` options from positionals; unknown flags are a usage error. */
export function parseArgs(
  args: string[],
  flags: Record<string, "bool" | "value">,
): { positional: string[]; opts: Record<string, string | true> } {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    const kind = flags[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === "bool") opts[name] = true;
    else {
      const v = args[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      opts[name] = v;
    }
  }
  return { positional, opts };
}

export class UsageError extends Error {}
