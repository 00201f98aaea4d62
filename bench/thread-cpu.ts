// The runtime's busiest thread, from its per-thread CPU time in /proc (the Stack reads it): a
// share of wall time near 1.0 means the one thread that runs the worker and its objects is
// saturated and work queues behind it.
import type { Stack } from "../test/browser/support/stack.ts";

export interface ThreadSample {
  at: number;
  cpu: Map<string, number>;
}

/** Samples the runtime's per-thread CPU once a second (bounded by the run). */
export function threadSampler(stack: Stack): { stop(): ThreadSample[] } {
  const samples: ThreadSample[] = [];
  const take = () => {
    const cpu = stack.runtimeThreadsCpuMs();
    if (cpu) samples.push({ at: Date.now(), cpu });
  };
  take();
  const timer = setInterval(take, 1_000);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/** The busiest thread's share of wall time between samples a and b (null without samples). */
export function busiestShare(
  a: ThreadSample | undefined,
  b: ThreadSample | undefined,
): number | null {
  if (!a || !b || b.at <= a.at) return null;
  let max = 0;
  for (const [tid, ms] of b.cpu) max = Math.max(max, ms - (a.cpu.get(tid) ?? 0));
  return Math.round((max / (b.at - a.at)) * 100) / 100;
}
