import { createHash, randomUUID } from 'node:crypto';
import { JoeyError } from '../../model/index.js';
import { stableStringify } from '../../model/canonical.js';
import { parseExpression } from '../../expr/parse.js';
import { indexKey, type Store } from '../store/index.js';
import type { Labels, ModelRef, PipelineDefinition, PipelineRecord, PipelineStepDef, PipelineVersionRecord } from '../types.js';
import { checkLabels, checkName, checkTags, modelRefsOf, nextId, notFoundError, now } from './common.js';
import type { ModelService } from './models.js';

const P = 'pipelines';
const V = 'pipeline_versions';

/** A model named in a step: a name (latest version) or a pinned `{name, version?, sha?}`. */
export type ModelRefInput = string | { name: string; version?: string; sha?: string };

/**
 * Steps as callers write them: joey's `{model}` / `{abTest}` / `{shadow}`, or the platform's
 * `{ModelInference: {models: [{name, version, sha}]}}` and `{RandomSplit: ...}` forms.
 */
export type StepInput =
  | { model: ModelRefInput }
  | { abTest: { champion: ModelRefInput; championWeight?: number; challengers: { model: ModelRefInput; weight: number }[]; hashKey?: string } }
  | { shadow: { champion: ModelRefInput; challengers: ModelRefInput[] } }
  | { ModelInference: { models: { name: string; version?: string; sha?: string }[] } };

export interface PipelineInput {
  workspaceId: number;
  name: string;
  steps?: StepInput[];
  validations?: Record<string, string>;
  tags?: string[];
  labels?: Labels;
}

export interface PipelineResult {
  pipeline: PipelineRecord;
  version: PipelineVersionRecord;
  /** true when the pipeline did not exist before */
  created: boolean;
  /** true when this call made a new version (the definition changed) */
  newVersion: boolean;
}

const bad = (msg: string) => new JoeyError('invalid', msg, { status: 400 });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function definitionHash(def: PipelineDefinition): string {
  return createHash('sha256').update(stableStringify(def)).digest('hex');
}

/**
 * Pipelines and their versions. A pipeline's definition (steps with pinned model versions, validations)
 * gets a new version UUID only when it changes; versions are listed newest first.
 */
export class PipelineService {
  constructor(
    private readonly store: Store,
    private readonly models: ModelService,
  ) {
    store.defineIndex<PipelineRecord>(P, 'name', (p) => indexKey(p.workspace_id, p.name));
    store.defineIndex<PipelineVersionRecord>(V, 'pipeline', (v) => indexKey(v.pipeline_id));
  }

  /** Resolve and check a definition against the workspace's models (pins each model to a version). */
  resolveDefinition(workspaceId: number, steps: unknown, validations: unknown): PipelineDefinition {
    if (steps !== undefined && !Array.isArray(steps)) throw bad('steps must be a list');
    const out: PipelineStepDef[] = [];
    ((steps as unknown[]) ?? []).forEach((s, i) => out.push(...this.resolveStep(workspaceId, s, `steps[${i}]`)));
    const vals: Record<string, string> = {};
    if (validations !== undefined && validations !== null) {
      if (!isObj(validations)) throw bad('validations must map names to polars expressions');
      for (const [name, expr] of Object.entries(validations)) {
        if (name === 'count') throw bad('validation name "count" is reserved (anomaly.count)');
        if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw bad(`validation name ${JSON.stringify(name)} must be letters, digits, '_' or '-'`);
        if (typeof expr !== 'string') throw bad(`validations.${name} must be a polars expression string`);
        try {
          parseExpression(expr);
        } catch (e) {
          throw new JoeyError('invalid_expression', `validations.${name}: ${(e as Error).message}`, { status: 400, cause: e });
        }
        vals[name] = expr;
      }
    }
    return { steps: out, validations: vals };
  }

  /** Create a pipeline, or update its definition/tags/labels (a new version only when the definition changed). */
  async apply(input: PipelineInput): Promise<PipelineResult> {
    const name = checkName('pipeline', input.name);
    const def = this.resolveDefinition(input.workspaceId, input.steps, input.validations);
    const hash = definitionHash(def);
    const labels = checkLabels(input.labels);
    const tags = input.tags === undefined ? undefined : checkTags(input.tags);
    return this.store.withLock(() => {
      const t = now();
      const cur = this.byName(input.workspaceId, name);
      if (!cur) {
        const id = nextId(this.store, P);
        const version = this.newVersion(id, def, hash, t);
        const pipeline: PipelineRecord = { id, name, workspace_id: input.workspaceId, tags: tags ?? [], labels, current_version_id: version.id, created_at: t, updated_at: t };
        this.store.putUnlocked(P, String(id), pipeline);
        return { pipeline, version, created: true, newVersion: true };
      }
      const curVersion = this.getVersion(cur.current_version_id);
      const changed = curVersion.definition_hash !== hash;
      const version = changed ? this.newVersion(cur.id, def, hash, t) : curVersion;
      const next: PipelineRecord = {
        ...cur,
        tags: tags ?? cur.tags,
        labels: input.labels !== undefined ? labels : cur.labels,
        current_version_id: version.id,
      };
      if (changed || JSON.stringify(next) !== JSON.stringify(cur)) {
        next.updated_at = t;
        this.store.putUnlocked(P, String(cur.id), next);
      }
      return { pipeline: next, version, created: false, newVersion: changed };
    });
  }

  get(id: number): PipelineRecord {
    const p = this.store.get<PipelineRecord>(P, String(id));
    if (!p) throw notFoundError(`pipeline ${id}`);
    return p;
  }

  byName(workspaceId: number, name: string): PipelineRecord | undefined {
    return this.store.lookup<PipelineRecord>(P, 'name', indexKey(workspaceId, name))[0];
  }

  getByName(workspaceId: number, name: string): PipelineRecord {
    const p = this.byName(workspaceId, name);
    if (!p) throw notFoundError(`pipeline ${JSON.stringify(name)} in workspace ${workspaceId}`);
    return p;
  }

  list(workspaceId?: number): PipelineRecord[] {
    return this.store.list<PipelineRecord>(P, (p) => workspaceId === undefined || p.workspace_id === workspaceId).sort((a, b) => a.id - b.id);
  }

  getVersion(id: number): PipelineVersionRecord {
    const v = this.store.get<PipelineVersionRecord>(V, String(id));
    if (!v) throw notFoundError(`pipeline version ${id}`);
    return v;
  }

  /** Find a version of a pipeline by its UUID. */
  versionByUuid(pipelineId: number, uuid: string): PipelineVersionRecord {
    const v = this.store.lookup<PipelineVersionRecord>(V, 'pipeline', indexKey(pipelineId)).find((x) => x.version === uuid);
    if (!v) throw notFoundError(`pipeline version ${uuid}`);
    return v;
  }

  /** Versions newest first. */
  versions(pipelineId: number): PipelineVersionRecord[] {
    return this.store.lookup<PipelineVersionRecord>(V, 'pipeline', indexKey(pipelineId)).sort((a, b) => b.id - a.id);
  }

  /** Copy a pipeline (its current or a given version's definition, tags and labels) under a new name. */
  async copy(sourceId: number, input: { name: string; workspaceId?: number; versionId?: number; labels?: Labels }): Promise<PipelineResult> {
    const src = this.get(sourceId);
    const v = this.getVersion(input.versionId ?? src.current_version_id);
    if (v.pipeline_id !== src.id) throw bad(`pipeline version ${v.id} does not belong to pipeline ${src.id}`);
    const ws = input.workspaceId ?? src.workspace_id;
    if (this.byName(ws, input.name)) throw new JoeyError('conflict', `pipeline ${JSON.stringify(input.name)} already exists in workspace ${ws}`, { status: 409 });
    return this.apply({ workspaceId: ws, name: input.name, steps: v.definition.steps, validations: v.definition.validations, tags: src.tags, labels: input.labels ?? src.labels });
  }

  async setTags(id: number, tags: string[]): Promise<PipelineRecord> {
    const t = checkTags(tags);
    return this.mutate(id, (p) => (p.tags = t));
  }

  async setLabels(id: number, labels: Labels): Promise<PipelineRecord> {
    const l = checkLabels(labels);
    return this.mutate(id, (p) => (p.labels = l));
  }

  /** Delete a pipeline and its versions (the caller undeploys it first). */
  async delete(id: number): Promise<void> {
    await this.store.withLock(() => {
      this.get(id);
      for (const v of this.versions(id)) this.store.deleteUnlocked(V, String(v.id));
      this.store.deleteUnlocked(P, String(id));
    });
  }

  /** Every model version a definition uses, once each. */
  modelRefs(def: PipelineDefinition): ModelRef[] {
    return modelRefsOf(def);
  }

  private mutate(id: number, fn: (p: PipelineRecord) => void): Promise<PipelineRecord> {
    return this.store.withLock(() => {
      const p = this.get(id);
      fn(p);
      p.updated_at = now();
      this.store.putUnlocked(P, String(id), p);
      return p;
    });
  }

  private newVersion(pipelineId: number, definition: PipelineDefinition, hash: string, t: string): PipelineVersionRecord {
    const v: PipelineVersionRecord = { id: nextId(this.store, V), pipeline_id: pipelineId, version: randomUUID(), definition, definition_hash: hash, created_at: t };
    this.store.putUnlocked(V, String(v.id), v);
    return v;
  }

  private ref(workspaceId: number, input: unknown, path: string): ModelRef {
    const r = typeof input === 'string' ? { name: input } : input;
    if (!isObj(r) || typeof r.name !== 'string' || !r.name) throw bad(`${path}: a model name (or {name, version, sha}) is required`);
    const version = typeof r.version === 'string' ? r.version : undefined;
    const sha = typeof r.sha === 'string' ? r.sha : undefined;
    const v = this.models.findVersion(workspaceId, r.name, { version, sha });
    if (!v) {
      const which = version || sha ? ` version ${version ?? sha}` : '';
      throw new JoeyError('not_found', `${path}: model ${JSON.stringify(r.name)}${which} not found in workspace ${workspaceId}`, { status: 404 });
    }
    return { name: v.name, version: v.version, sha: v.sha };
  }

  private resolveStep(ws: number, s: unknown, path: string): PipelineStepDef[] {
    if (!isObj(s)) throw bad(`${path}: a step is an object`);
    const keys = Object.keys(s);
    if (keys.length !== 1) throw bad(`${path}: a step has exactly one of model, abTest, shadow, ModelInference`);
    const [k] = keys;
    const body = s[k!];
    switch (k) {
      case 'model':
        return [{ model: this.ref(ws, body, `${path}.model`) }];
      case 'ModelInference': {
        if (!isObj(body) || !Array.isArray(body.models) || body.models.length === 0) throw bad(`${path}.ModelInference.models must be a non-empty list`);
        return body.models.map((m, i) => ({ model: this.ref(ws, m, `${path}.ModelInference.models[${i}]`) }));
      }
      case 'abTest': {
        if (!isObj(body) || !Array.isArray(body.challengers) || body.challengers.length === 0) throw bad(`${path}.abTest needs a champion and at least one challenger`);
        const championWeight = body.championWeight ?? 1;
        if (typeof championWeight !== 'number' || !(championWeight > 0)) throw bad(`${path}.abTest.championWeight must be a positive number`);
        if (body.hashKey !== undefined && (typeof body.hashKey !== 'string' || !body.hashKey)) throw bad(`${path}.abTest.hashKey must be a column name`);
        const challengers = body.challengers.map((c, i) => {
          if (!isObj(c) || typeof c.weight !== 'number' || !(c.weight > 0)) throw bad(`${path}.abTest.challengers[${i}] needs {model, weight > 0}`);
          return { model: this.ref(ws, c.model, `${path}.abTest.challengers[${i}].model`), weight: c.weight };
        });
        const step: PipelineStepDef = { abTest: { champion: this.ref(ws, body.champion, `${path}.abTest.champion`), championWeight, challengers } };
        if (body.hashKey) step.abTest.hashKey = body.hashKey as string;
        return [step];
      }
      case 'shadow': {
        if (!isObj(body) || !Array.isArray(body.challengers) || body.challengers.length === 0) throw bad(`${path}.shadow needs a champion and at least one challenger`);
        return [
          {
            shadow: {
              champion: this.ref(ws, body.champion, `${path}.shadow.champion`),
              challengers: body.challengers.map((c, i) => this.ref(ws, c, `${path}.shadow.challengers[${i}]`)),
            },
          },
        ];
      }
      default:
        throw bad(`${path}: unknown step ${JSON.stringify(k)} (use model, abTest, shadow or ModelInference)`);
    }
  }
}
