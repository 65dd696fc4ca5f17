/**
 * Inference logs: durable Arrow IPC partitions per pipeline under `<stateDir>/logs/`, batched writes with
 * acknowledgement at flush, reads newest-first or by time range, export split by pipeline version and size.
 */
export { InferenceLogStore, toMs } from './store.js';
export type { LogStoreOptions, ReadOptions, ReadResult } from './store.js';
export { exportLogs, parseSize } from './export.js';
export type { ExportOptions, ExportResult } from './export.js';
export { concatTables, selectColumns, takeRows } from './table.js';
export { formatLogTable, tableRecords } from './format.js';
