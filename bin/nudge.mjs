#!/usr/bin/env node
// `npx nudge …`: the operator CLI. Runs the TypeScript sources through tsx so the CLI validates
// with exactly the same zod schema the worker uses.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
