/** The git sync controller for `joey controller`. */
export { SyncController, type SyncControllerOptions, type SyncEvent } from './controller.js';
export { serveController, type ControllerHttp } from './http.js';
export { verifyWebhook, type WebhookVerdict } from './webhook.js';
export { SyncMetrics } from './metrics.js';
export { GitSource } from './git-source.js';
export { kubernetesReconciler, engineReconciler, type Reconciler, type ReconcileReport, type DriftPolicy } from './reconcilers.js';
export type { SyncStatus, Condition } from './status.js';
