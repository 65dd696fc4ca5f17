/** The tasks controller, for `joey controller` and `joey server`: `new TaskScheduler(tasksOf(engine)).start()`. */
export { TaskScheduler, type SchedulerBackend, type SchedulerOptions, type SchedulerHeartbeat } from './scheduler.js';
