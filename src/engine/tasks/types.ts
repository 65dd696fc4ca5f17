/**
 * Records of orchestrations, tasks and task runs as the engine stores and serves them. Field names follow the
 * platform's API (snake_case, as `/v1/api/task/*` returns them), so scripts written for it read them unchanged.
 */

/** `ready` to run, `error` (with `error`) when rejected; `packaging` is the platform's transient state, never stored by joey. */
export type OrchestrationStatus = 'packaging' | 'ready' | 'error';

export interface OrchestrationRecord {
  id: string;
  name: string;
  workspace_id: number;
  /** sha256 of the zip: the orchestration's identity. */
  sha: string;
  /** Name of the uploaded file; `-` when uploaded as bytes without a name. */
  file_name: string;
  status: OrchestrationStatus;
  /** Why the orchestration was rejected (status `error`). */
  error: string | null;
  /** Relative path of main.py inside the zip, and of requirements.txt. */
  entrypoint: string | null;
  requirements: string | null;
  owner_id: string;
  task_id: string | null;
  created_at: string;
  updated_at: string;
  labels: Record<string, string>;
}

/** How a task makes runs: run_once, run_scheduled, run_continuously. */
export type TaskRunKind = 'once' | 'scheduled' | 'continuous';
/**
 * `pending` before its first run, `started` once running/scheduled, `failed` when a run-once task's run
 * failed, `pending_kill` after kill() while a run is still being stopped, `killed` when that is done.
 */
export type TaskStatus = 'pending' | 'started' | 'failed' | 'pending_kill' | 'killed';
/** Run statuses: the platform's `running|success|failure|timed_out`, plus `missed` for fires joey did not run. */
export type RunStatus = 'running' | 'success' | 'failure' | 'timed_out' | 'missed';

export interface TaskRecord {
  id: string;
  name: string | null;
  workspace_id: number;
  orch_id: string;
  orch_sha: string;
  run: TaskRunKind;
  /** 5-field cron (scheduled tasks), else null. */
  schedule: string | null;
  timezone: string;
  /** Seconds. */
  timeout: number | null;
  /** The task's JSON args (the API's `json`). */
  input_data: Record<string, unknown>;
  /** Scheduled tasks: allow a fire while the previous run is still going (default false: such fires are `missed`). */
  allow_concurrent: boolean;
  status: TaskStatus;
  killed: boolean;
  created_at: string;
  updated_at: string;
  /** Scheduled tasks: the schedule time of the last fire handled (run or missed), ISO; survives restarts. */
  last_fire: string | null;
  labels: Record<string, string>;
}

export interface TaskRunRecord {
  run_id: string;
  /** The task's id (the API calls it `task`). */
  task: string;
  pod_id: string;
  status: RunStatus;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** For scheduled runs, the schedule time this run is for. */
  scheduled_for: string | null;
  /** Why a run did not succeed (or why it was missed), in words. */
  reason: string | null;
  exit_code: number | null;
  signal: string | null;
  /** Python process (its process group is killed on timeout/kill). */
  pid: number | null;
  /** The joey process supervising the run; a run whose runner is gone is marked failed. */
  runner_pid: number | null;
  runner_host: string | null;
  /** `missed` records may stand for several fires. */
  missed_count: number | null;
}

/** Task types as the SDK lists them. */
export const TASK_TYPE: Record<TaskRunKind, string> = {
  once: 'Temporary Run',
  scheduled: 'Scheduled Run',
  continuous: 'Service Run',
};
