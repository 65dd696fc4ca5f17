import { Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { openTasks, shortTime, stateDirFrom, table, workspaceNames } from '../../engine/tasks/cli-support.js';

export default class TasksList extends JoeyCommand {
  static override description = 'list tasks, newest update first (id, name, last run status, type, active, schedule, times)';

  static override examples = ['<%= config.bin %> tasks list', '<%= config.bin %> tasks list --killed --json'];

  static override flags = {
    state: Flags.string({ description: 'engine state directory (default: $JOEY_HOME or ./.joey)' }),
    workspace: Flags.string({ description: 'only tasks of this workspace (name)' }),
    killed: Flags.boolean({ description: 'only tasks that were killed', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TasksList);
    const svc = await openTasks(stateDirFrom(flags.state));
    await svc.reapStaleRuns(); // runs whose joey process died show as failed, not running forever
    const names = workspaceNames(svc);
    const wsId = flags.workspace === undefined ? undefined : [...names].find(([, n]) => n === flags.workspace)?.[0] ?? -1;
    const tasks = svc.list({ workspaceId: wsId, killed: flags.killed ? true : undefined });
    const scheduler = svc.schedulerStatus();
    const needsScheduler = tasks.filter((t) => !t.killed && t.run !== 'once').length;
    const warning =
      needsScheduler > 0 && !scheduler.running
        ? `warning: ${needsScheduler} scheduled/continuous task(s) but no scheduler is running for this state directory; start \`joey controller\` or \`joey server\``
        : null;
    this.emit(flags.json, { tasks, scheduler, warning }, () => {
      if (tasks.length === 0) return 'no tasks';
      const rows = tasks.map((t) => [
        t.id,
        t.name ?? '-',
        names.get(t.workspace_id) ?? String(t.workspace_id),
        t.last_run_status,
        t.type,
        t.active ? 'True' : 'False',
        t.schedule ?? '-',
        t.next_run ? shortTime(t.next_run) : '-',
        shortTime(t.created_at),
        shortTime(t.updated_at),
      ]);
      const out = table(['id', 'name', 'workspace', 'last run status', 'type', 'active', 'schedule', 'next run', 'created at', 'updated at'], rows);
      return warning ? `${out}\n\n${warning}` : out;
    });
  }
}
