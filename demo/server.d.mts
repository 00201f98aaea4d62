// Types for the demo store server (plain JavaScript so `npm start` needs no build step).
import type { Server } from "node:http";
export function createDemoServer(opts?: { worker?: string; site?: string }): Server;
