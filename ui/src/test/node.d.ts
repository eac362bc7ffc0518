// The few Node built-ins that tests use to read the repository's own files (vitest runs in Node). The app never
// imports these, and the UI has no @types/node, so only what the tests call is declared.

declare module 'node:fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
}

declare module 'node:url' {
  export function fileURLToPath(url: string): string;
}
