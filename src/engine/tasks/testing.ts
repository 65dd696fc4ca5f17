/** Helpers for tests of orchestrations and tasks (small orchestration zips built in memory). */
import { strToU8, zipSync, type Zippable } from 'fflate';

/** A zip of the given files (path → text or bytes), as a user's `zip -r` would make it. */
export function orchestrationZip(files: Record<string, string | Uint8Array>): Uint8Array {
  const z: Zippable = {};
  for (const [path, body] of Object.entries(files)) z[path] = typeof body === 'string' ? strToU8(body) : body;
  return zipSync(z);
}

/** A minimal pure-Python wheel (no index needed to install it): `import <name>` gives `GREETING`. */
export function tinyWheel(name: string, greeting: string): { fileName: string; bytes: Uint8Array } {
  const info = `${name}-1.0.dist-info`;
  const files: Record<string, string> = {
    [`${name}/__init__.py`]: `GREETING = ${JSON.stringify(greeting)}\n`,
    [`${info}/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: 1.0\n`,
    [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: joey-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  };
  files[`${info}/RECORD`] = [...Object.keys(files).map((f) => `${f},,`), `${info}/RECORD,,`].join('\n') + '\n';
  return { fileName: `${name}-1.0-py3-none-any.whl`, bytes: orchestrationZip(files) };
}
