import { describe, expect, it } from 'vitest';
import { canonicalSpec, specHash } from '../src/model/canonical.js';
import { normalizeQuantity, parseQuantity } from '../src/model/quantity.js';
import { normalizeDuration, parseDuration } from '../src/model/duration.js';
import { findCycles } from '../src/manifest/index.js';

describe('quantities', () => {
  it('normalizes Kubernetes quantities so equal values are spelled the same', () => {
    expect(normalizeQuantity('1024Mi')).toBe('1Gi');
    expect(normalizeQuantity('1Gi')).toBe('1Gi');
    expect(normalizeQuantity('0.5Gi')).toBe('512Mi');
    expect(normalizeQuantity('1000M')).toBe('1G');
    expect(normalizeQuantity('1e3')).toBe('1k');
    expect(normalizeQuantity('1500m')).toBe('1500m');
    expect(normalizeQuantity('2048')).toBe('2Ki');
    expect(normalizeQuantity('not a quantity')).toBe('not a quantity');
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(() => parseQuantity('1 gig')).toThrow(/not a Kubernetes quantity/);
  });

  it('normalizes durations', () => {
    expect(normalizeDuration('60m')).toBe('1h');
    expect(normalizeDuration('90m')).toBe('1h30m');
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(normalizeDuration('1d')).toBe('24h');
    expect(normalizeDuration('1w')).toBe('168h');
  });
});

describe('canonicalSpec and specHash', () => {
  it('fills the platform defaults', () => {
    expect(canonicalSpec('Workspace', {})).toEqual({ members: [], prune: false });
    expect(canonicalSpec('Pipeline', { steps: [{ model: 'm' }] })).toEqual({ deployment: false, steps: [{ model: 'm' }], validations: {} });
    expect(canonicalSpec('Task', { orchestration: 'o', run: 'once' })).toEqual({ args: {}, orchestration: 'o', run: 'once', timezone: 'UTC' });
    expect(canonicalSpec('Assay', { pipeline: 'p', iopath: 'output dense_1 0', baseline: { values: [1] } } as never)).toEqual({
      active: true,
      aggregation: 'density',
      baseline: { values: [1] },
      binning: { bins: 5, mode: 'quantile' },
      iopath: 'output dense_1 0',
      metric: 'psi',
      pipeline: 'p',
      thresholds: { alert: 0.1 },
      window: { interval: '24h', width: '24h' },
    });
    expect(canonicalSpec('DeploymentConfig', { cpus: 1 })).toEqual({ cpus: 1, replicas: 1 });
    expect(canonicalSpec('DeploymentConfig', { autoscale: { max: 3 } } as never)).toEqual({ autoscale: { max: 3, min: 0 } });
  });

  it('sorts keys, so key order never changes the hash', () => {
    const a = canonicalSpec('DeploymentConfig', { memory: '1Gi', cpus: 0.5 });
    expect(Object.keys(a)).toEqual(['cpus', 'memory', 'replicas']);
    expect(specHash({ kind: 'DeploymentConfig', spec: { memory: '1Gi', cpus: 0.5 } })).toBe(specHash({ kind: 'DeploymentConfig', spec: { cpus: 0.5, memory: '1024Mi' } }));
    expect(specHash({ kind: 'DeploymentConfig', spec: { cpus: 0.5 } })).not.toBe(specHash({ kind: 'DeploymentConfig', spec: { cpus: 1 } }));
  });

  it('a quantity inside a pipeline inline deployment and in sidekicks is normalized too', () => {
    const s = canonicalSpec('Pipeline', { steps: [{ model: 'm' }], deployment: { memory: '2048Mi', sidekicks: { m: { memory: '0.5Gi' } } } } as never) as never as {
      deployment: { memory: string; sidekicks: { m: { memory: string } } };
    };
    expect(s.deployment.memory).toBe('2Gi');
    expect(s.deployment.sidekicks.m.memory).toBe('512Mi');
  });

  it('a model hash covers the artifact sha256, not its path', () => {
    const m = (path: string, sha256: string) => ({ kind: 'Model' as const, spec: { framework: 'onnx' as const, path, sha256 } });
    expect(specHash(m('a.onnx', 'x'.repeat(64)))).toBe(specHash(m('models/b.onnx', 'x'.repeat(64))));
    expect(specHash(m('a.onnx', 'x'.repeat(64)))).not.toBe(specHash(m('a.onnx', 'y'.repeat(64))));
  });
});

describe('reference cycles', () => {
  it('finds each cycle once, whatever node the search starts from', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });
});
