import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { JoeyError } from '../../model/index.js';
import { openTasks, resolveTask, stateDirFrom } from '../../engine/tasks/cli-support.js';

export default class TasksLogs extends JoeyCommand {
  static override description = 'the log lines of a task run (or of the latest run of a task), oldest first';

  static override examples = ['<%= config.bin %> tasks logs 96a7f85f-e30c-40b5-9185-0dee5bd1a15e', '<%= config.bin %> tasks logs nightly-report --limit 20'];

  static override args = {
    ref: Args.string({ description: 'run id, or a task (id, name or workspace/name) for its latest run', required: true }),
  };

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey)' }),
    limit: Flags.integer({ description: 'only the last N lines', min: 0 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TasksLogs);
    const svc = await openTasks(stateDirFrom(flags.state));
    let runId: string;
    try {
      runId = svc.findRun(args.ref).run_id;
    } catch (err) {
      if (!(err instanceof JoeyError) || err.code !== 'not_found') throw err;
      const task = resolveTask(svc, args.ref);
      const last = svc.lastRuns(task.id, 'all').find((r) => r.status !== 'missed');
      if (!last) throw new JoeyError('not_found', `task ${task.name ?? task.id} has not run yet`, { status: 404 });
      runId = last.run_id;
    }
    const logs = svc.logs(runId, flags.limit);
    this.emit(flags.json, { run_id: runId, logs }, () => logs.join('\n'));
  }
}
