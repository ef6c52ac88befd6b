import { defineConfig } from 'vite';

// The workspace packages are read from their TypeScript sources (the `source` export condition),
// so the dashboard builds without their dist folders and always matches them.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
