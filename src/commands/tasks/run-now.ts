import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { openTasks, resolveTask, stateDirFrom } from '../../engine/tasks/cli-support.js';
import { startDetachedRun } from '../../engine/tasks/detached.js';

export default class TasksRunNow extends JoeyCommand {
  static override description = 'run a task now, outside its schedule; waits for the run and exits 1 unless it succeeds';

  static override examples = ['<%= config.bin %> tasks run-now nightly-report', '<%= config.bin %> tasks run-now nightly-report --detach'];

  static override args = {
    task: Args.string({ description: 'task id, name or workspace/name', required: true }),
  };

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey)' }),
    detach: Flags.boolean({ description: 'start the run in the background and print its id', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TasksRunNow);
    const stateDir = stateDirFrom(flags.state);
    const svc = await openTasks(stateDir);
    const task = resolveTask(svc, args.task);
    if (flags.detach) {
      const started = await startDetachedRun(stateDir, task.id, { manual: true });
      this.emit(flags.json, started, () => `started run ${started!.run_id} of task ${task.name ?? task.id} (runner pid ${started!.pid})`);
      return;
    }
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    const run = await svc.runNow(task.id, { signal: abort.signal });
    this.emit(flags.json, run, () => `run ${run.run_id} of task ${task.name ?? task.id}: ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
    if (run.status !== 'success') process.exitCode = 1;
  }
}
