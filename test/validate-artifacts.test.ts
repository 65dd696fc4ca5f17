import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { hashModelArtifact, hashOrchestration, zipFolderDeterministic } from '../src/manifest/index.js';

describe('deterministic orchestration zips', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'joey-zip-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const dir = join(tmp, 'orch');
  mkdirSync(join(dir, 'lib'), { recursive: true });
  mkdirSync(join(dir, '__pycache__'));
  writeFileSync(join(dir, 'main.py'), 'print("hello")\n');
  writeFileSync(join(dir, 'lib/util.py'), 'X = 1\n');
  writeFileSync(join(dir, 'requirements.txt'), 'requests\n');
  writeFileSync(join(dir, '__pycache__/main.cpython-311.pyc'), 'junk');

  it('same content → same bytes, whatever the timestamps; sorted entries; caches left out', () => {
    const a = zipFolderDeterministic(dir);
    utimesSync(join(dir, 'main.py'), new Date('2001-01-01'), new Date('2001-01-01'));
    writeFileSync(join(dir, '__pycache__/main.cpython-311.pyc'), 'other junk');
    const b = zipFolderDeterministic(dir);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    const entries = unzipSync(a);
    expect(Object.keys(entries)).toEqual(['lib/util.py', 'main.py', 'requirements.txt']);
    expect(new TextDecoder().decode(entries['main.py'])).toBe('print("hello")\n');
  });

  it('different content → different sha256; a .zip is hashed as its bytes', () => {
    const before = hashOrchestration(dir);
    writeFileSync(join(dir, 'lib/util.py'), 'X = 2\n');
    const after = hashOrchestration(dir);
    expect(before).toHaveProperty('sha256');
    expect(after).toHaveProperty('sha256');
    expect((after as { sha256: string }).sha256).not.toBe((before as { sha256: string }).sha256);
    const zipPath = join(tmp, 'orch.zip');
    const bytes = zipFolderDeterministic(dir);
    writeFileSync(zipPath, bytes);
    expect(hashOrchestration(zipPath)).toEqual({ sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(hashOrchestration(zipPath)).toEqual(after);
  });

  it('reports a missing main.py, two requirements.txt, a non-zip file, and a missing path', () => {
    const bad = join(tmp, 'bad');
    mkdirSync(join(bad, 'a'), { recursive: true });
    mkdirSync(join(bad, 'b'), { recursive: true });
    writeFileSync(join(bad, 'a/requirements.txt'), '');
    expect(hashOrchestration(bad)).toEqual({ problem: 'orchestration has no main.py' });
    writeFileSync(join(bad, 'b/main.py'), '');
    expect(hashOrchestration(bad)).toHaveProperty('sha256'); // main.py in a subfolder is accepted
    writeFileSync(join(bad, 'b/requirements.txt'), '');
    expect(hashOrchestration(bad)).toEqual({ problem: 'orchestration has more than one requirements.txt' });
    writeFileSync(join(tmp, 'x.txt'), 'x');
    expect(hashOrchestration(join(tmp, 'x.txt'))).toEqual({ problem: 'an orchestration path must be a folder or a .zip file' });
    writeFileSync(join(tmp, 'broken.zip'), 'not a zip');
    expect(hashOrchestration(join(tmp, 'broken.zip'))).toHaveProperty('problem');
    expect(hashModelArtifact(join(tmp, 'nope.onnx'))).toEqual({ problem: `artifact not found: ${join(tmp, 'nope.onnx')}` });
  });

  it('memoized hashes follow every rewrite, even one with the same size and a restored mtime', () => {
    const f = join(tmp, 'm.onnx');
    writeFileSync(f, 'aaaa');
    const a = hashModelArtifact(f);
    writeFileSync(f, 'bbbb');
    utimesSync(f, new Date('2001-01-01'), new Date('2001-01-01'));
    const b = hashModelArtifact(f);
    expect(b).toEqual({ sha256: createHash('sha256').update('bbbb').digest('hex') });
    expect(b).not.toEqual(a);
    expect(hashModelArtifact(f)).toEqual(b);
  });
});
