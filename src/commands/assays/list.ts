import { Args, Flags } from '@oclif/core';
import { resolve } from 'node:path';
import { JoeyCommand } from '../../cli/base.js';
import { assaysOf } from '../../engine/assays/index.js';
import { Engine, defaultStateDir } from '../../engine/index.js';

export default class AssaysList extends JoeyCommand {
  static override description = 'list the assays in the engine (all workspaces, or one) with their status counts';
  static override args = { workspace: Args.string({ description: 'WORKSPACE (default: all)' }) };
  static override flags = { state: Flags.string({ description: 'engine state directory (default .joey/, or JOEY_HOME)' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AssaysList);
    const engine = await Engine.open({ stateDir: flags.state ? resolve(flags.state) : defaultStateDir('.') });
    try {
      const wsNames = new Map(engine.workspaces.list({ includeArchived: true }).map((w) => [w.id, w.name]));
      const assays = assaysOf(engine).list(args.workspace ? { workspaceId: engine.workspaces.getByName(args.workspace).id } : {});
      const rows = assays.map((a) => ({
        name: a.name,
        workspace: wsNames.get(a.workspace_id) ?? String(a.workspace_id),
        active: a.active,
        status: a.status,
        warning_threshold: a.warning_threshold,
        alert_threshold: a.alert_threshold,
        pipeline_name: a.pipeline_name,
      }));
      this.emit(flags.json, rows, () =>
        rows.length === 0
          ? 'no assays'
          : [
              ['ASSAY', 'ACTIVE', 'OK', 'WARN', 'ALERT', 'LAST RUN', 'THRESHOLDS', 'PIPELINE'].join('\t'),
              ...rows.map((r) =>
                [`${r.workspace}/${r.name}`, r.active, r.status.num_ok, r.status.num_warnings, r.status.num_alerts, r.status.run_at ?? '-', `${r.warning_threshold ?? '-'}/${r.alert_threshold}`, r.pipeline_name].join('\t'),
              ),
            ].join('\n'),
      );
    } finally {
      await engine.close();
    }
  }
}
