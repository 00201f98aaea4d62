// What every CLI command shares: the output seam (so tests capture it), `--flag value` parsing
// and the usage error that makes `nudge` exit with 2. Imported by main.ts and each command.

export interface Io {
  out(line: string): void;
  err(line: string): void;
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

/** Why a fetch failed, in a few words (undici puts the socket error in `cause`). */
export function fetchFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
