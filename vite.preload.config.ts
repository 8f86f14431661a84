import { defineConfig } from 'vite';

// The preload runs sandboxed: Electron loads it as one CommonJS script whose `require` knows
// only a few modules ('electron' among them) and no local files. So src/preload/preload.ts and
// what it imports (src/shared/api.ts) are bundled into dist/preload/preload.cjs, `electron`
// left as a require. src/main/app_main.ts points the window at that file.
export default defineConfig({
  publicDir: false,
  build: {
    outDir: 'dist/preload',
    emptyOutDir: true,
    sourcemap: false,
    minify: false,
    target: 'node20',
    lib: {
      entry: 'src/preload/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: {
      external: ['electron'],
      output: { exports: 'none' },
    },
  },
});
