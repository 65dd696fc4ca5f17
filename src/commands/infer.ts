import { Args, Flags } from '@oclif/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JoeyCommand } from '../cli/base.js';
import { defaultStateDir, Engine } from '../engine/index.js';
import { inferOverHttp, parseTarget } from '../engine/runtime/cli.js';
import { EngineRuntime, type InferResponse } from '../engine/runtime/index.js';
import { JoeyError } from '../model/index.js';

export default class Infer extends JoeyCommand {
  static override description =
    'run an inference on a deployed pipeline: pandas-records JSON (.json) or Arrow IPC (.arrow) in, the same format out (or --format)';
  static override examples = [
    'joey infer fraud/ccfraud --file smoke_test.df.json',
    'joey infer fraud/ccfraud --file cc_data_10k.arrow --out result.arrow',
    'joey infer fraud/ccfraud --file data.json --dataset "*" --dataset metadata',
  ];
  static override args = { target: Args.string({ description: 'WORKSPACE/PIPELINE', required: true }) };
  static override flags = {
    file: Flags.string({ char: 'f', description: 'input file: pandas-records JSON, or Arrow IPC (.arrow file or stream)', required: true }),
    out: Flags.string({ char: 'o', description: 'write the answer here instead of stdout' }),
    format: Flags.string({ description: 'answer format (default: the input\'s)', options: ['json', 'arrow'] }),
    dataset: Flags.string({ description: 'columns to answer with: *, time, in, out, anomaly, metadata, or column names (repeatable or comma-separated)', multiple: true }),
    'dataset-exclude': Flags.string({ description: 'columns or groups to leave out', multiple: true }),
    state: Flags.string({ description: 'engine state directory (default .joey/, or JOEY_HOME)' }),
    endpoint: Flags.string({ description: 'a joey server URL instead of the local state', env: 'JOEY_ENDPOINT' }),
    token: Flags.string({ description: 'bearer token for --endpoint', env: 'JOEY_TOKEN' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Infer);
    const { workspace, pipeline } = parseTarget(args.target);
    const file = resolve(flags.file);
    let body: Uint8Array;
    try {
      body = readFileSync(file);
    } catch (e) {
      throw new JoeyError('invalid', `cannot read ${flags.file}: ${(e as Error).message}`);
    }
    const format = /\.(arrow|arrows|feather|ipc)$/i.test(file) ? 'arrow' : 'json';
    const answer = (flags.format as 'json' | 'arrow' | undefined) ?? format;
    const split = (v?: string[]) => v?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    const dataset = split(flags.dataset);
    const datasetExclude = split(flags['dataset-exclude']);

    let res: Pick<InferResponse, 'body' | 'rows'>;
    if (flags.endpoint) {
      res = await inferOverHttp({ endpoint: flags.endpoint, token: flags.token, workspace, pipeline, body, format, answer, dataset, datasetExclude });
    } else {
      const engine = await Engine.open({ stateDir: flags.state ? resolve(flags.state) : defaultStateDir('.') });
      const rt = EngineRuntime.of(engine);
      try {
        res = await rt.infer(rt.deploymentOf(workspace, pipeline), { body: format === 'json' ? Buffer.from(body).toString('utf8') : body, format, answer, dataset, datasetExclude });
      } finally {
        await rt.close(); // the answer's log rows are durable before the command returns
        await engine.close();
      }
    }
    if (flags.out) {
      writeFileSync(resolve(flags.out), res.body);
      this.emit(flags.json, { rows: res.rows, out: flags.out, format: answer }, () => `${res.rows} row${res.rows === 1 ? '' : 's'} → ${flags.out}`);
      return;
    }
    if (answer === 'arrow') {
      if (process.stdout.isTTY) throw new JoeyError('invalid', 'the answer is Arrow IPC (binary): write it with --out FILE, or pipe stdout');
      process.stdout.write(res.body);
      return;
    }
    const text = typeof res.body === 'string' ? res.body : Buffer.from(res.body).toString('utf8');
    if (flags.json) process.stdout.write(text + '\n');
    else process.stdout.write(JSON.stringify(JSON.parse(text), null, 1) + '\n');
  }
}
