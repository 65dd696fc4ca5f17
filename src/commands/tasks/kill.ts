import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { openTasks, resolveTask, stateDirFrom } from '../../engine/tasks/cli-support.js';

export default class TasksKill extends JoeyCommand {
  static override description = 'kill a task: no further runs; a run in progress is terminated';

  static override examples = ['<%= config.bin %> tasks kill nightly-report'];

  static override args = {
    task: Args.string({ description: 'task id, name or workspace/name', required: true }),
  };

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TasksKill);
    const svc = await openTasks(stateDirFrom(flags.state));
    const task = await svc.kill(resolveTask(svc, args.task).id);
    this.emit(flags.json, task, () => `task ${task.name ?? task.id} (${task.id}): ${task.status}`);
  }
}
