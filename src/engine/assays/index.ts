/**
 * Drift assays in the engine. Entry points:
 *   assaysOf(engine)                         the engine's AssayService (cached per engine)
 *   service.create({workspaceId, name, spec, labels, root})   frozen baseline; unique name per workspace
 *   service.evaluate(id, until)              analyze windows closed by `until` (the controller calls this)
 *   service.results(id, {start, end})        stored results, oldest window first
 *   service.setActive(id, bool) / delete(id) / list({workspaceId}) / getByName(workspaceId, name)
 *   service.preview({workspaceName, spec, until})   interactive run over the logs, nothing saved
 *   AssayController (controllers/assays)     the loop for `joey controller` / `joey server`
 */
import type { Engine } from '../index.js';
import { AssayService } from './service.js';

export { AssayService, ASSAYS, ASSAY_RESULTS, planOf, previewAssay, type AssayInput, type AssayPreview, type ResultsQuery } from './service.js';
export { summaryView, baselineFromView, summarizerView, analysisView } from './views.js';
export * from './types.js';

export function assaysOf(engine: Engine): AssayService {
  return engine.extension('assays', (e) => new AssayService(e));
}
