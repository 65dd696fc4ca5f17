import type { ModelService } from './models.js';
import type { PipelineService } from './pipelines.js';

export interface TagView {
  tag: string;
  pipelines: { id: number; name: string }[];
  models: { id: number; name: string }[];
}

/** Tags live on pipelines and models (`setTags` on each service); this lists them across a workspace. */
export class TagService {
  constructor(
    private readonly pipelines: PipelineService,
    private readonly models: ModelService,
  ) {}

  list(workspaceId?: number): TagView[] {
    const byTag = new Map<string, TagView>();
    const at = (t: string) => byTag.get(t) ?? byTag.set(t, { tag: t, pipelines: [], models: [] }).get(t)!;
    for (const p of this.pipelines.list(workspaceId)) for (const t of p.tags) at(t).pipelines.push({ id: p.id, name: p.name });
    for (const m of this.models.list(workspaceId)) for (const t of m.tags) at(t).models.push({ id: m.id, name: m.name });
    return [...byTag.values()].sort((a, b) => a.tag.localeCompare(b.tag));
  }
}
