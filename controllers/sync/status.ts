/** kstatus-style conditions, as Flux and Argo CD users read them. */
export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';
export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface SyncStatus {
  repo: string;
  branch: string;
  target: string;
  driftPolicy: 'correct' | 'warn';
  /** The commit the last sync tried. */
  lastAttemptedCommit?: string;
  /** The commit the running state was last made to match. */
  lastAppliedCommit?: string;
  lastSyncTime?: string;
  lastSyncDurationMs?: number;
  /** Objects found drifted at the last sync (corrected unless driftPolicy is warn). */
  driftObjects: number;
  lastError?: string;
  conditions: Condition[];
}

export function setCondition(list: Condition[], type: ConditionType, status: Condition['status'], reason: string, message: string, now = new Date()): void {
  const cur = list.find((c) => c.type === type);
  const lastTransitionTime = cur && cur.status === status ? cur.lastTransitionTime : now.toISOString();
  const next: Condition = { type, status, reason, message, lastTransitionTime };
  if (cur) Object.assign(cur, next);
  else list.push(next);
  list.sort((a, b) => (a.type < b.type ? -1 : 1));
}

export const conditionOf = (s: SyncStatus, type: ConditionType) => s.conditions.find((c) => c.type === type);
