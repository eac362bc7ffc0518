import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves the built files from ui/dist; the dev server is only used by `tauri dev`.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebView2 (Windows), WKWebView (macOS) and WebKitGTK (Linux) all support these.
    target: ['es2022', 'chrome111', 'safari16'],
    // The polyfill would be bundled (not inline), but the targets support modulepreload natively.
    modulePreload: { polyfill: false },
    // Keep every asset a file: img-src allows data:, but fonts/CSS must come from 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
