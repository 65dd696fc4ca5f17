/**
 * The loops that run beside the API or the git sync on the embedded engine: the task scheduler
 * (`controllers/tasks`) and the assay loop (`controllers/assays`). `joey controller` and `joey server` both use this.
 */
import { Engine } from '../../src/engine/index.js';
import { tasksOf } from '../../src/engine/tasks/index.js';
import { AssayController } from '../assays/index.js';
import { TaskScheduler } from '../tasks/index.js';

export interface SideLoop {
  name: string;
  stop(): Promise<void>;
}

const message = (e: unknown) => (e as Error)?.message ?? String(e);

/** Starts both loops on `engine`; `stop()` ends them (the engine stays open: it is the caller's). */
export function startLoops(engine: Engine, log: (line: string) => void): SideLoop[] {
  const scheduler = new TaskScheduler(tasksOf(engine), { onError: (e: unknown) => log(`tasks: ${message(e)}`) });
  // start() runs the loop until stop(); don't await it.
  scheduler.start().catch((e) => log(`tasks loop stopped: ${message(e)}`));
  const assays = new AssayController(engine, { onError: (e: unknown) => log(`assays: ${message(e)}`) }).start();
  return [
    { name: 'tasks', stop: () => scheduler.stop() },
    { name: 'assays', stop: () => assays.stop() },
  ];
}

/** Opens the engine at `stateDir` and starts both loops on it; `close()` stops them and closes the engine. */
export async function startSideLoops(stateDir: string, log: (line: string) => void): Promise<{ loops: SideLoop[]; close(): Promise<void> }> {
  const engine = await Engine.open({ stateDir });
  const loops = startLoops(engine, log);
  return {
    loops,
    close: async () => {
      for (const l of loops) await l.stop();
      await engine.close();
    },
  };
}
