/**
 * Tasks and task runs (the platform's workload orchestration). Entry points:
 *   tasksOf(engine)                        the engine's TaskService (cached per engine)
 *   new TaskService(store, opts?)          same, over a bare Store
 *   startDetachedRun(stateDir, taskId)     start a run-once task's run in a detached process (no scheduler needed)
 *   TaskScheduler (controllers/tasks)      the cron/continuous loop for `joey controller` / `joey server`
 */
import type { Engine } from '../index.js';
import { TaskService, type TaskServiceOptions } from './service.js';

export { TaskService, TASKS, HEARTBEAT_STALE_MS, type TaskView, type TaskDoc, type CreateTaskInput, type TaskServiceOptions } from './service.js';
export { startDetachedRun, type DetachedRun } from './detached.js';
export { executeRun, type RunOutcome, type RunRequest } from './executor.js';
export { validateSchedule, nextFire } from './cron.js';
export { systemClock, OffsetClock, ManualClock, type Clock } from './clock.js';
export { taskShimDir } from './shim.js';
export * from './types.js';

/** The engine's TaskService, built once per engine (`opts` only count the first time). */
export function tasksOf(engine: Engine, opts?: TaskServiceOptions): TaskService {
  return engine.extension('tasks', (e) => new TaskService(e.store, opts));
}
