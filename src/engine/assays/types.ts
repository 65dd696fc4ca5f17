import type { Aggregation, BinMode, Metric } from '../../model/index.js';
import type { Stamped } from '../types.js';
import type { BasicStats } from '../../assays/types.js';

/** A summary as the platform's API shows it (snake_case; the +inf right-outlier edge is `null`). */
export interface SummaryView extends BasicStats {
  edges: (number | null)[];
  edge_names: string[];
  counts: number[];
  aggregated_values: number[];
  aggregation: Aggregation;
  dropped: number;
  start: string | null;
  end: string | null;
}

export interface SummarizerView {
  type: 'UnivariateContinuous';
  bin_mode: BinMode;
  aggregation: Aggregation;
  metric: Metric;
  num_bins: number;
  bin_weights: number[] | null;
  provided_edges: number[] | null;
}

export interface AssayListStatus {
  /** When the assay last analyzed a window (null before the first). */
  run_at: string | null;
  num_ok: number;
  num_warnings: number;
  num_alerts: number;
}

export type BaselineSource = { start: string; end: string } | { values: number } | { file: string };

export interface AssayRecord extends Stamped {
  name: string;
  workspace_id: number;
  pipeline_id: number;
  pipeline_name: string;
  iopath: string;
  active: boolean;
  /** Where the baseline came from (`values`: how many were given). */
  baseline_source: BaselineSource;
  /** Frozen when the assay was created: windows are binned with these edges. */
  baseline_summary: SummaryView;
  window: { width: string; interval: string; start: string };
  summarizer: SummarizerView;
  warning_threshold: number | null;
  alert_threshold: number;
  status: AssayListStatus;
  /** Index of the next window to analyze (window k covers [start + k·interval, start + k·interval + width)). */
  next_window: number;
}

export type AssayStatusValue = 'Ok' | 'Warning' | 'Alert';

export interface AssayResultRecord {
  id: string;
  assay_id: number;
  name: string;
  iopath: string;
  workspace_id: number;
  pipeline_id: number;
  pipeline_name: string;
  window_index: number;
  window_start: string;
  window_end: string;
  analyzed_at: string;
  elapsed_millis: number;
  score: number;
  scores: number[];
  /** The maxdiff bin (the platform's `bin_index`); null for psi and sumdiff. */
  bin_index: number | null;
  status: AssayStatusValue;
  warning_threshold: number | null;
  alert_threshold: number;
  summarizer: SummarizerView;
  baseline_summary: SummaryView;
  window_summary: SummaryView;
  created_at: string;
}
