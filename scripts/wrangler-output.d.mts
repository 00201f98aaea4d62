// Types for scripts/wrangler-output.mjs (imported by its test).
export declare const plain: (line: string) => string;
export declare function createNoiseFilter(): {
  push(line: string): string[];
  flush(): string[];
  started(): void;
};
