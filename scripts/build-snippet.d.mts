// Types for scripts/build-snippet.mjs (imported by snippet/size.test.ts).
export declare const SNIPPET_MODULE_PATH: string;
export declare const SNIPPET_DIST_PATH: string;
export declare function snippetModuleSource(code: string): string;
export declare function buildSnippet(options?: { write?: boolean }): Promise<string>;
