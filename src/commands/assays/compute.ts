import { Flags } from '@oclif/core';
import { JoeyCommand } from '../../cli/base.js';
import { JoeyError } from '../../model/index.js';
import { computeAssay, readValuesFile, type Aggregation, type BinMode, type Metric } from '../../assays/index.js';
import { renderAssayText, resultJson } from '../../assays/format.js';

function numberList(flag: string, s: string): number[] {
  return s.split(',').map((p, i) => {
    const v = Number(p.trim());
    if (p.trim() === '' || !Number.isFinite(v)) throw new JoeyError('invalid', `--${flag}: item ${i + 1} ("${p}") is not a finite number`);
    return v;
  });
}

export default class AssaysCompute extends JoeyCommand {
  static override description =
    'score a window of values against a baseline, as an interactive assay run (FILE: JSON array, one-column CSV or Arrow)';

  static override examples = [
    '<%= config.bin %> assays compute --baseline baseline.json --window window.json',
    '<%= config.bin %> assays compute --baseline b.csv --window w.arrow --column out.variable --bin-mode provided --edges 200000,400000,600000,800000,1500000,2000000 --json',
  ];

  static override flags = {
    baseline: Flags.string({ description: 'file with the baseline values', required: true }),
    window: Flags.string({ description: 'file with the window values', required: true }),
    column: Flags.string({ description: 'column to read from a CSV with a header or a multi-column Arrow file' }),
    index: Flags.integer({ description: 'element of a list column to read (default 0)', min: 0 }),
    'bin-mode': Flags.string({ description: 'how bins are cut', options: ['quantile', 'equal', 'provided'], default: 'quantile' }),
    bins: Flags.integer({ description: 'number of bins, not counting the two outlier bins (default 5)' }),
    edges: Flags.string({ description: 'provided mode: comma-separated upper edges, optionally with the lower edge first' }),
    weights: Flags.string({ description: 'comma-separated bin weights, one per bin including both outlier bins' }),
    aggregation: Flags.string({ description: 'bin values', options: ['density', 'cumulative'], default: 'density' }),
    metric: Flags.string({ description: 'score', options: ['psi', 'maxdiff', 'sumdiff'], default: 'psi' }),
    'warning-threshold': Flags.string({ description: 'score at or above which the status is Warning' }),
    'alert-threshold': Flags.string({ description: 'score at or above which the status is Alert (default 0.25)' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AssaysCompute);
    const binMode = flags['bin-mode'] as BinMode;
    if (flags.edges !== undefined && binMode !== 'provided') {
      throw new JoeyError('invalid', '--edges needs --bin-mode provided');
    }
    const threshold = (name: 'warning-threshold' | 'alert-threshold') => {
      const s = flags[name];
      if (s === undefined) return undefined;
      const v = Number(s);
      if (s.trim() === '' || !Number.isFinite(v)) throw new JoeyError('invalid', `--${name}: "${s}" is not a number`);
      return v;
    };
    const read = { column: flags.column, index: flags.index };
    const [baseline, window] = await Promise.all([readValuesFile(flags.baseline, read), readValuesFile(flags.window, read)]);
    const result = computeAssay(baseline, window, {
      binMode,
      numBins: flags.bins,
      edges: flags.edges !== undefined ? numberList('edges', flags.edges) : undefined,
      weights: flags.weights !== undefined ? numberList('weights', flags.weights) : undefined,
      aggregation: flags.aggregation as Aggregation,
      metric: flags.metric as Metric,
      thresholds: { warning: threshold('warning-threshold'), alert: threshold('alert-threshold') },
    });
    for (const [what, s] of [['baseline', result.baseline], ['window', result.window]] as const) {
      if (s.dropped > 0) process.stderr.write(`warning: ${s.dropped} NaN/Infinity value(s) left out of the ${what}\n`);
    }
    this.emit(flags.json, resultJson(result), () => renderAssayText(result));
  }
}
