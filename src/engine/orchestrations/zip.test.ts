import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { extractOrchestrationZip } from './extract.js';
import { inspectOrchestrationZip } from './inspect.js';
import { readZipEntries } from './zip-reader.js';

const py = (s: string) => strToU8(s);

/** Offsets of each central-directory record, to forge declared sizes. */
function centralOffsets(zip: Uint8Array): number[] {
  const buf = Buffer.from(zip);
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i++) if (buf.readUInt32LE(i) === 0x02014b50) out.push(i);
  return out;
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'joey-zip-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Everything under tmp, so a test can prove nothing landed outside the work dir. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: false }) as string[];
}

describe('orchestration zip inspection', () => {
  it('takes main.py at the root and one requirements.txt', () => {
    const zip = zipSync({ 'main.py': py('print(1)'), 'requirements.txt': py('# none'), lib: { 'main.py': py('x') } });
    const layout = inspectOrchestrationZip(zip);
    expect(layout.entrypoint).toBe('main.py');
    expect(layout.requirements).toBe('requirements.txt');
    expect(layout.fileCount).toBe(3);
  });

  it('falls back to the shallowest main.py in a subfolder', () => {
    const zip = zipSync({ proj: { deep: { 'main.py': py('a') }, 'main.py': py('b'), 'util.py': py('') } });
    expect(inspectOrchestrationZip(zip).entrypoint).toBe('proj/main.py');
  });

  it('rejects a zip with no main.py', () => {
    expect(() => inspectOrchestrationZip(zipSync({ 'app.py': py('') }))).toThrow(/no main\.py found/);
  });

  it('rejects two requirements.txt files', () => {
    const zip = zipSync({ 'main.py': py(''), 'requirements.txt': py(''), sub: { 'requirements.txt': py('') } });
    expect(() => inspectOrchestrationZip(zip)).toThrow(/more than one requirements\.txt/);
  });

  it('rejects something that is not a zip', () => {
    expect(() => inspectOrchestrationZip(py('hello, not a zip at all'))).toThrow(/not a zip file/);
  });
});

describe('malicious zips', () => {
  const work = () => join(tmp, 'work', 'orch');

  async function expectRejected(zip: Uint8Array, pattern: RegExp, limits?: { maxEntries: number; maxUnpackedBytes: number }) {
    await expect(extractOrchestrationZip(zip, work(), limits)).rejects.toMatchObject({
      code: 'orchestration_rejected',
      message: expect.stringMatching(pattern),
    });
    // Nothing written anywhere: not in the work dir (removed), not beside it, not above it.
    expect(existsSync(work())).toBe(false);
    expect(listAll(tmp).filter((p) => !p.startsWith('work'))).toEqual([]);
  }

  it('zip-slip: an entry with ../ is rejected', async () => {
    await expectRejected(zipSync({ 'main.py': py(''), '../evil.py': py('pwned') } as Zippable), /escapes the orchestration folder/);
    expect(existsSync(join(tmp, 'work', 'evil.py'))).toBe(false);
  });

  it('zip-slip hidden in the middle of a path is rejected', async () => {
    await expectRejected(zipSync({ 'main.py': py(''), 'a/../../../x.py': py('pwned') } as Zippable), /escapes/);
  });

  it('an absolute path is rejected', async () => {
    await expectRejected(zipSync({ 'main.py': py(''), '/tmp/joey-abs-evil.py': py('pwned') } as Zippable), /absolute path/);
    expect(existsSync('/tmp/joey-abs-evil.py')).toBe(false);
  });

  it('a symlink entry is rejected', async () => {
    const link: Zippable = {
      'main.py': py(''),
      passwd: [py('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }],
    };
    await expectRejected(zipSync(link), /symbolic link/);
  });

  it('more than 10,000 entries is rejected before reading them', async () => {
    const files: Zippable = { 'main.py': py('') };
    for (let i = 0; i < 10_000; i++) files[`f${i}.txt`] = [new Uint8Array(0), { level: 0 }];
    const zip = zipSync(files);
    expect(() => readZipEntries(zip, 10_000)).toThrow(/10001 entries; at most 10000/);
    await expectRejected(zip, /10001 entries/);
  });

  it('a bomb declaring more than 1 GiB unpacked is rejected without inflating', async () => {
    const zip = zipSync({ 'main.py': py(''), 'data.bin': new Uint8Array(1024) });
    const [, second] = centralOffsets(zip);
    Buffer.from(zip.buffer).writeUInt32LE(0x7fffffff, second + 24); // declared size 2 GiB
    await expectRejected(zip, /more than 1 GiB \(declared sizes\)/);
  });

  it('a bomb that inflates past its declared size is stopped while inflating', async () => {
    // 64 MiB of zeros deflate to ~64 KiB; the entry claims 100 bytes.
    const zeros = new Uint8Array(64 * 1024 * 1024);
    const zip = zipSync({ 'main.py': py(''), 'bomb.bin': zeros });
    const [, second] = centralOffsets(zip);
    Buffer.from(zip.buffer).writeUInt32LE(100, second + 24);
    const before = process.memoryUsage().rss;
    await expectRejected(zip, /inflates past its declared size of 100 bytes/);
    // Stopped after the first small step, not after inflating 64 MiB.
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('entries that together pass the limit are rejected (limits are configurable)', async () => {
    const zip = zipSync({ 'main.py': py(''), 'a.bin': new Uint8Array(600_000), 'b.bin': new Uint8Array(600_000) });
    await expectRejected(zip, /unpacks to more than 1000000 bytes/, { maxEntries: 100, maxUnpackedBytes: 1_000_000 });
  });

  it('extracts a good zip and checks CRCs', async () => {
    const zip = zipSync({ 'main.py': py('print("hi")'), pkg: { 'helper.py': py('X = 1'), 'data.txt': py('x'.repeat(100_000)) } });
    const layout = await extractOrchestrationZip(zip, work());
    expect(layout.entrypoint).toBe('main.py');
    expect(readFileSync(join(work(), 'pkg', 'data.txt'), 'utf8')).toHaveLength(100_000);
    expect(readFileSync(join(work(), 'main.py'), 'utf8')).toBe('print("hi")');
  });

  it('a corrupted CRC is rejected', async () => {
    const zip = zipSync({ 'main.py': py('print("hi")') });
    const [first] = centralOffsets(zip);
    Buffer.from(zip.buffer).writeUInt32LE(0xdeadbeef, first + 16);
    await expectRejected(zip, /CRC-32/);
  });
});
