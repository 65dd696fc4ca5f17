// Development entry of the log writer thread (tests, tsx): loads the TypeScript source through tsx.
// The built package runs dist/src/engine/logs/writer-worker.js directly.
import { tsImport } from 'tsx/esm/api';

await tsImport('./writer-worker.ts', import.meta.url);
