import { Args, Flags } from '@oclif/core';
import * as arrow from 'apache-arrow';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { defaultStateDir } from '../engine/index.js';
import { exportLogs, InferenceLogStore } from '../engine/logs/index.js';
import { logsOverHttp, parseTarget } from '../engine/runtime/cli.js';
import { pipelineLogKey } from '../engine/runtime/index.js';
import { formatLogTable, tableRecords } from '../engine/logs/format.js';
import { JoeyError } from '../model/index.js';

export default class Logs extends JoeyCommand {
  static override description =
    'show a pipeline\'s inference logs: the newest 100 rows first, or --start/--end oldest first; --export writes files split by pipeline version and size';
  static override examples = [
    'joey logs fraud/ccfraud',
    'joey logs fraud/ccfraud --limit 10 --dataset time --dataset out --dataset metadata',
    'joey logs fraud/ccfraud --start 2024-01-01T00:00:00Z --end 2024-01-02T00:00:00Z --arrow --out day.arrow',
    'joey logs fraud/ccfraud --export logs --size-limit 10MiB',
  ];
  static override args = { target: Args.string({ description: 'WORKSPACE/PIPELINE', required: true }) };
  static override flags = {
    limit: Flags.integer({ description: 'most rows to return (default 100; unlimited with --start/--end)', min: 1 }),
    start: Flags.string({ description: 'from this time (ISO 8601), with --end', dependsOn: ['end'] }),
    end: Flags.string({ description: 'until this time (exclusive), with --start', dependsOn: ['start'] }),
    dataset: Flags.string({ description: '*, time, in, out, anomaly, metadata, or column names (repeatable or comma-separated)', multiple: true }),
    'dataset-exclude': Flags.string({ description: 'columns or groups to leave out', multiple: true }),
    arrow: Flags.boolean({ description: 'Arrow IPC instead of text (to --out, or stdout when piped)', default: false }),
    out: Flags.string({ char: 'o', description: 'write the rows to this file' }),
    export: Flags.string({ description: 'write files into this directory (pandas-records NDJSON, or Arrow with --arrow)' }),
    'size-limit': Flags.string({ description: 'largest export file, e.g. 10MiB (default 100MB)' }),
    state: Flags.string({ description: 'engine state directory (default .joey/, or JOEY_HOME)' }),
    endpoint: Flags.string({ description: 'a joey server URL instead of the local state', env: 'JOEY_ENDPOINT' }),
    token: Flags.string({ description: 'bearer token for --endpoint', env: 'JOEY_TOKEN' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const { workspace, pipeline } = parseTarget(args.target);
    const split = (v?: string[]) => v?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    const dataset = split(flags.dataset);
    const datasetExclude = split(flags['dataset-exclude']);
    const range = flags.start ? { start: toDate(flags.start), end: toDate(flags.end!) } : {};
    const limit = flags.limit;

    if (flags.export) {
      if (flags.endpoint) throw new JoeyError('invalid', '--export reads the local state; run it where the engine keeps its state (--state)');
      const store = InferenceLogStore.forStateDir(flags.state ? resolve(flags.state) : defaultStateDir('.'));
      const r = exportLogs(store, pipelineLogKey(workspace, pipeline), {
        directory: resolve(flags.export),
        filePrefix: pipeline,
        ...(flags['size-limit'] ? { sizeLimit: flags['size-limit'] } : {}),
        arrow: flags.arrow,
        ...range,
        ...(limit ? { limit } : {}),
        ...(dataset ? { dataset } : {}),
        ...(datasetExclude ? { datasetExclude } : {}),
      });
      this.emit(flags.json, r, () =>
        [
          ...r.files,
          `${r.rows} rows in ${r.files.length} file${r.files.length === 1 ? '' : 's'}`,
          ...(r.truncated ? ['Warning: There are more logs available. Please set a larger limit to export more data.'] : []),
        ].join('\n'),
      );
      return;
    }

    let table: arrow.Table;
    let truncated: boolean;
    if (flags.endpoint) {
      const r = await logsOverHttp({ endpoint: flags.endpoint, token: flags.token, workspace, pipeline, limit, start: flags.start, end: flags.end, dataset, datasetExclude });
      table = arrow.tableFromIPC(r.arrow);
      truncated = r.truncated;
    } else {
      const store = InferenceLogStore.forStateDir(flags.state ? resolve(flags.state) : defaultStateDir('.'));
      ({ table, truncated } = store.read(pipelineLogKey(workspace, pipeline), {
        ...range,
        ...(limit ? { limit } : {}),
        ...(dataset ? { dataset } : {}),
        ...(datasetExclude ? { datasetExclude } : {}),
      }));
    }
    if (truncated) process.stderr.write('Warning: Pipeline log record limit exceeded\n');
    if (flags.arrow) {
      const bytes = arrow.tableToIPC(table, 'file');
      if (flags.out) writeFileSync(resolve(flags.out), bytes);
      else if (process.stdout.isTTY) throw new JoeyError('invalid', 'Arrow IPC is binary: write it with --out FILE, or pipe stdout');
      else process.stdout.write(bytes);
      return;
    }
    if (flags.out) {
      writeFileSync(resolve(flags.out), tableRecords(table).map((r) => JSON.stringify(r)).join('\n') + '\n');
      this.emit(flags.json, { rows: table.numRows, out: flags.out, truncated }, () => `${table.numRows} rows → ${flags.out}`);
      return;
    }
    this.emit(flags.json, { rows: tableRecords(table), truncated }, () => formatLogTable(table));
  }
}

function toDate(s: string): Date {
  const d = new Date(/^\d+$/.test(s) ? Number(s) : s);
  if (Number.isNaN(d.getTime())) throw new JoeyError('invalid', `invalid time "${s}"; use ISO 8601 like 2024-01-31T12:00:00Z`);
  return d;
}
