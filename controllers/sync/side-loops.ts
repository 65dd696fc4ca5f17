/**
 * The other controllers `joey controller` runs in the same process when the target is the embedded engine:
 * the tasks scheduler (`controllers/tasks`) and the assays loop (`controllers/assays`), each only if that area
 * ships it in this build. Loaded at run time so the sync controller does not depend on their internals.
 */
export interface SideLoop {
  name: string;
  stop(): Promise<void>;
}

type Startable = { start(): Promise<void> | void; stop(): Promise<void> | void };

async function tryImport<T>(spec: string): Promise<T | undefined> {
  try {
    return (await import(spec)) as T;
  } catch {
    return undefined;
  }
}

export async function startSideLoops(stateDir: string, log: (line: string) => void): Promise<{ loops: SideLoop[]; close(): Promise<void> }> {
  const engineMod = await tryImport<{ Engine: { open(o: { stateDir: string }): Promise<{ close(): Promise<void> }> } }>('../../src/engine/index.js');
  if (!engineMod?.Engine) {
    log('engine not available: tasks and assays loops not started');
    return { loops: [], close: async () => {} };
  }
  const engine = await engineMod.Engine.open({ stateDir });
  const loops: SideLoop[] = [];

  const tasks = await tryImport<{ TaskScheduler?: new (backend: unknown, opts?: unknown) => Startable }>('../tasks/index.js');
  const taskSvc = await tryImport<{ tasksOf?: (e: unknown) => unknown }>('../../src/engine/tasks/index.js');
  if (tasks?.TaskScheduler && taskSvc?.tasksOf) {
    const s = new tasks.TaskScheduler(taskSvc.tasksOf(engine), { onError: (e: unknown) => log(`tasks: ${(e as Error)?.message ?? e}`) });
    // start() runs the loop until stop(); don't await it.
    void Promise.resolve(s.start()).catch((e) => log(`tasks loop stopped: ${(e as Error).message}`));
    loops.push({ name: 'tasks', stop: async () => void (await s.stop()) });
  } else log('tasks scheduler not in this build');

  const assays = await tryImport<Record<string, unknown>>('../assays/index.js');
  const AssayLoop = (assays?.AssayController ?? assays?.AssayScheduler) as (new (engine: unknown, opts?: unknown) => Startable) | undefined;
  if (AssayLoop) {
    const a = new AssayLoop(engine, { onError: (e: unknown) => log(`assays: ${(e as Error)?.message ?? e}`) });
    void Promise.resolve(a.start()).catch((e) => log(`assays loop stopped: ${(e as Error).message}`));
    loops.push({ name: 'assays', stop: async () => void (await a.stop()) });
  } else log('assays controller not in this build');

  return {
    loops,
    close: async () => {
      for (const l of loops) await l.stop();
      await engine.close();
    },
  };
}
