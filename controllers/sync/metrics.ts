/** The controller's Prometheus metrics, rendered in the text exposition format (version 0.0.4). */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class SyncMetrics {
  syncs = 0;
  failures = 0;
  drift = 0;
  lastCommit?: string;
  private buckets = DURATION_BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;

  constructor(private readonly labels: { repo: string; branch: string; target: string }) {}

  observeApply(seconds: number): void {
    this.count++;
    this.sum += seconds;
    DURATION_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.buckets[i]++;
    });
  }

  render(): string {
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const base = `repo="${esc(this.labels.repo)}",branch="${esc(this.labels.branch)}",target="${esc(this.labels.target)}"`;
    const lines = [
      '# HELP joey_sync_total Syncs attempted (git fetch + plan + apply).',
      '# TYPE joey_sync_total counter',
      `joey_sync_total{${base}} ${this.syncs}`,
      '# HELP joey_sync_failures_total Syncs that failed (invalid manifests, apply errors, git errors).',
      '# TYPE joey_sync_failures_total counter',
      `joey_sync_failures_total{${base}} ${this.failures}`,
      '# HELP joey_last_synced_commit The commit last applied successfully (value is always 1).',
      '# TYPE joey_last_synced_commit gauge',
    ];
    if (this.lastCommit) lines.push(`joey_last_synced_commit{${base},commit="${esc(this.lastCommit)}"} 1`);
    lines.push(
      '# HELP joey_drift_objects Objects whose running state differed from the manifests at the last sync.',
      '# TYPE joey_drift_objects gauge',
      `joey_drift_objects{${base}} ${this.drift}`,
      '# HELP joey_apply_duration_seconds Time to plan and apply one sync.',
      '# TYPE joey_apply_duration_seconds histogram',
    );
    DURATION_BUCKETS.forEach((b, i) => lines.push(`joey_apply_duration_seconds_bucket{${base},le="${b}"} ${this.buckets[i]}`));
    lines.push(`joey_apply_duration_seconds_bucket{${base},le="+Inf"} ${this.count}`);
    lines.push(`joey_apply_duration_seconds_sum{${base}} ${this.sum}`);
    lines.push(`joey_apply_duration_seconds_count{${base}} ${this.count}`);
    return lines.join('\n') + '\n';
  }
}
