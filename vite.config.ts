// The renderer: src/renderer built to dist/renderer, loaded by Electron from app://mailferry/ (and by the
// e2e test over http://127.0.0.1). Relative asset URLs, no inline scripts (the CSP allows none).
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: resolve(here, 'src/renderer'),
  base: './',
  plugins: [react()],
  publicDir: false,
  build: {
    outDir: resolve(here, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
