// Builds the web console (console/) into dist/console, served by the service at `/` (console-static.ts).
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'console',
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The CSP allows no inline script: no polyfill snippet, every asset a file.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
