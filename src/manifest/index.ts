/**
 * Manifests: load a repo of YAML documents with source positions, validate them against `schemas/`,
 * resolve references, apply environment overlays, and hash artifacts.
 */
export { loadRepo, type LoadOptions, type LoadResult } from './loader.js';
export { artifactPath, hashModelArtifact, hashOrchestration, sha256Hex } from './artifacts.js';
export { zipFolderDeterministic, listFilesSorted } from './zip.js';
export { findManifestFiles } from './discover.js';
export { mergePatch } from './overlay.js';
export { referencesOf, findCycles, type Reference } from './references.js';
export { validateAgainstSchema, formatPath, schemaFileName, schemasDir, loadSchema } from './schemas.js';
export { summarize } from './summary.js';
