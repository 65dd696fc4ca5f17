import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { examplesRepo, joey, edit } from './reconcile-helpers.js';
import { InferenceLogStore } from '../src/engine/logs/index.js';
import type { ReplayReport } from '../src/plan/replay.js';

describe('plan --replay N (predictive plan)', { timeout: 300_000 }, () => {
  it('replays logged inputs through a changed validation and reports how anomaly.count totals move', async () => {
    const dir = await examplesRepo();
    expect(joey(['apply', '.', '--auto-approve'], dir).code).toBe(0);
    const infer = joey(['infer', 'fraud/ccfraud', '--file', '/work/shared/testdata/cc_data_1k.df.json', '--state', '.joey'], dir);
    expect(infer.code, infer.stderr).toBe(0);

    // What the running definition flagged, straight from the inference log.
    const logged = InferenceLogStore.forStateDir(join(dir, '.joey')).read('fraud/ccfraud', { limit: 300 }).table;
    expect(logged.numRows).toBe(300);
    const flagged = logged.getChild('anomaly.count')!.toArray().reduce((a: number, v: unknown) => a + Number(v), 0);
    const scores = Array.from({ length: logged.numRows }, (_, i) => Number((logged.getChild('out.dense_1')!.get(i) as { get(j: number): number }).get(0)));
    const wouldFlag = scores.filter((s) => s > 0.0001).length;

    edit(join(dir, 'pipelines/ccfraud.yaml'), '> 0.9', '> 0.0001');
    const r = joey(['plan', '.', '--replay', '300', '--json'], dir);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).replay as ReplayReport;
    expect(report.pipelines).toHaveLength(1);
    const p = report.pipelines[0]!;
    expect(p).toMatchObject({ key: 'Pipeline/fraud/ccfraud', rows: 300, changedRows: 0, largestChange: null });
    expect(p.anomalyCount).toEqual({ before: flagged, after: wouldFlag });
    expect(wouldFlag).toBeGreaterThan(flagged);

    const text = joey(['plan', '.', '--replay', '300'], dir).stdout;
    expect(text).toContain(`Pipeline/fraud/ccfraud: 0 of 300 outputs change; anomaly.count total ${flagged} -> ${wouldFlag}`);
  });
});
