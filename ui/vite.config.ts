import { defineConfig } from 'vite';

// The engine serves the built files under /ui/ (src/engine/http/routes/ui.ts); no CDN, everything is bundled.
export default defineConfig({
  base: '/ui/',
  build: { target: 'es2022', sourcemap: false, assetsInlineLimit: 0 },
});
