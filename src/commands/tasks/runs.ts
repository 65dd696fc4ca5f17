import { Args, Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { openTasks, resolveTask, shortTime, stateDirFrom, table } from '../../engine/tasks/cli-support.js';
import type { RunStatus } from '../../engine/tasks/types.js';

export default class TasksRuns extends JoeyCommand {
  static override description = "a task's runs, newest update first (the SDK's last_runs)";

  static override examples = ['<%= config.bin %> tasks runs nightly-report', '<%= config.bin %> tasks runs fraud/nightly-report --status failure --limit 5'];

  static override args = {
    task: Args.string({ description: 'task id, name or workspace/name', required: true }),
  };

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey)' }),
    status: Flags.string({ description: 'only runs with this status', options: ['all', 'running', 'success', 'failure', 'timed_out', 'missed'], default: 'all' }),
    limit: Flags.integer({ description: 'at most this many runs', min: 0 }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TasksRuns);
    const svc = await openTasks(stateDirFrom(flags.state));
    await svc.reapStaleRuns(); // runs whose joey process died show as failed, not running forever
    const task = resolveTask(svc, args.task);
    const runs = svc.lastRuns(task.id, flags.status as RunStatus | 'all', flags.limit);
    this.emit(flags.json, runs, () => {
      if (runs.length === 0) return `task ${task.name ?? task.id} has no runs${flags.status !== 'all' ? ` with status ${flags.status}` : ''}`;
      return table(
        ['run id', 'status', 'scheduled for', 'created at', 'updated at', 'reason'],
        runs.map((r) => [r.run_id, r.status, shortTime(r.scheduled_for), shortTime(r.created_at), shortTime(r.updated_at), r.reason ?? '']),
      );
    });
  }
}
