import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalClient, openClient } from './client.js';
import { Engine } from '../../engine/index.js';

const ccfraud = readFileSync(fileURLToPath(new URL('../../../test/engine-fixtures/ccfraud.onnx', import.meta.url)));

describe('LocalClient', () => {
  it('acts as the local admin by default, or as a user with membership enforced', async () => {
    const admin = await openClient({ stateDir: mkdtempSync(join(tmpdir(), 'joey-client-')) });
    expect(await admin.whoami()).toEqual({ user: 'admin', admin: true });
    const { workspace_id } = await admin.createWorkspace('w', { members: [{ user: 'bob', role: 'collaborator' }] });
    const up = await admin.uploadModel(workspace_id, 'ccfraud', ccfraud, { fileName: 'ccfraud.onnx', tensorFields: ['tensor'] });
    const m = up.insert_models.returning[0]!.models[0]!;
    expect((await admin.getModelVersion(m.model_version_id)).model_version).toMatchObject({ file_name: 'ccfraud.onnx', tensor_fields: ['tensor'], model_version: m.model_version });
    const p = await admin.createPipeline(workspace_id, 'p', { steps: [{ model: 'ccfraud' }] }, { labels: { 'joey.dev/managed-by': 'joey' } });
    expect((await admin.getPipelineByName(workspace_id, 'p')).labels).toEqual({ 'joey.dev/managed-by': 'joey' });
    const again = await admin.createPipeline(workspace_id, 'p', { steps: [{ model: 'ccfraud' }] });
    expect(again).toMatchObject({ created: false, new_version: false, pipeline_variant_pk_id: p.pipeline_variant_pk_id });

    const engine = (admin as LocalClient).engine;
    const bob = new LocalClient(engine, { user: 'bob', admin: false });
    const eve = (admin as LocalClient).as({ user: 'eve', admin: false });
    expect((await bob.listPipelines()).pipelines.map((x) => x.name)).toEqual(['p']);
    expect((await eve.listPipelines()).pipelines).toEqual([]);
    await expect(eve.getPipeline(p.pipeline_pk_id)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(bob.removeUser(workspace_id, 'admin')).rejects.toMatchObject({ status: 403 });
    await admin.close();
  });

  it('engine.extension builds another area\'s service once', async () => {
    const engine = await Engine.open({ stateDir: mkdtempSync(join(tmpdir(), 'joey-ext-')) });
    let built = 0;
    const make = (e: Engine) => ({ n: ++built, dir: e.stateDir });
    expect(engine.extension('x', make)).toBe(engine.extension('x', make));
    expect(built).toBe(1);
  });
});
