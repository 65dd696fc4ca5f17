/** Entry point of a detached task run: `node detached-main.js <stateDir> <taskId> <runId>` (see detached.ts). */
import { runDetached } from './detached.js';

const [stateDir, taskId, runId] = process.argv.slice(2);
runDetached(stateDir, taskId, runId).then(
  () => process.exit(0),
  () => process.exit(1),
);
