/** Orchestrations: zip checks, safe extraction, and the store-backed service. */
export { OrchestrationService, ORCHESTRATIONS, type UploadInput } from './service.js';
export { inspectOrchestrationZip, safeEntryPath, DEFAULT_LIMITS, type ZipLimits, type OrchestrationLayout } from './inspect.js';
export { extractOrchestrationZip, entrypointDir } from './extract.js';
