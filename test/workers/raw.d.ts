// Test fixtures read as text (Vite's `?raw` suffix), e.g. the catalog files the CLI pushes.
declare module "*?raw" {
  const text: string;
  export default text;
}
