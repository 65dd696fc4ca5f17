import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpClient, openClient } from '../src/providers/engine/client.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const joey = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/run.js'), ...args], { cwd: root, encoding: 'utf8' });

describe('joey server (the built CLI)', () => {
  it('token create/list/revoke and a served API that the embedded client shares state with', async () => {
    const state = mkdtempSync(join(tmpdir(), 'joey-srv-'));
    const created = joey(['server', 'token', 'create', '--user', 'alice', '--state', state, '--json']);
    expect(created.status).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    expect(token).toMatch(/^joey_/);

    const srv = spawn(process.execPath, [join(root, 'bin/run.js'), 'server', '--port', '0', '--state', state, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        srv.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /"url": "([^"]+)"/.exec(out);
          if (m) resolve(m[1]!);
        });
        srv.on('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const alice = new HttpClient(url, token);
      const { workspace_id } = await alice.createWorkspace('cli-ws');
      // the embedded client on the same state dir sees what the server wrote
      const local = await openClient({ stateDir: state });
      expect((await local.getWorkspace({ workspace_id })).members).toEqual([{ user: 'alice', role: 'owner' }]);
      await local.close();

      const list = joey(['server', 'token', 'list', '--state', state, '--json']);
      const { tokens } = JSON.parse(list.stdout) as { tokens: { handle: string; user: string }[] };
      expect(tokens).toHaveLength(1);
      expect(list.stdout).not.toContain(token);
      expect(joey(['server', 'token', 'revoke', tokens[0]!.handle, '--state', state]).status).toBe(0);
      await expect(alice.listWorkspaces()).rejects.toMatchObject({ status: 401 });
    } finally {
      srv.kill('SIGTERM');
    }
  });
});
