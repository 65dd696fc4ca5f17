import type { ActualObject } from '../plan/types.js';
import { JoeyError } from '../model/index.js';
import type { DeleteOp, Provider, WriteOp } from './provider.js';

/**
 * A provider over an in-memory map: the reference behaviour for unit tests and benchmarks, and a model of what a
 * real provider must do (write spec, labels and tags together; refuse to create what exists).
 */
export class MemoryProvider implements Provider {
  readonly name = 'memory';
  readonly objects = new Map<string, ActualObject>();
  readonly calls: string[] = [];
  /** Fail the next write to this key (tests). */
  failOn = new Set<string>();
  private seq = 0;

  constructor(initial: ActualObject[] = []) {
    for (const o of initial) this.objects.set(o.key, structuredClone(o));
  }

  async read(): Promise<ActualObject[]> {
    return [...this.objects.values()].map((o) => structuredClone(o));
  }

  private write(op: WriteOp, verb: string): void {
    this.calls.push(`${verb} ${op.key}`);
    if (this.failOn.has(op.key)) throw new JoeyError('provider_error', `${op.key}: injected failure`);
    const { artifactPath: _a, ...rest } = op.payload;
    void _a;
    this.objects.set(op.key, {
      key: op.key,
      kind: op.kind,
      workspace: op.workspace,
      name: op.name,
      id: `${++this.seq}`,
      spec: structuredClone(rest.spec),
      labels: { ...rest.labels },
      tags: rest.tags ? [...rest.tags] : undefined,
    });
  }

  async create(op: WriteOp): Promise<void> {
    if (this.objects.has(op.key)) throw new JoeyError('conflict', `${op.key} already exists`, { status: 409 });
    this.write(op, 'create');
  }
  async update(op: WriteOp): Promise<void> {
    if (!this.objects.has(op.key)) throw new JoeyError('not_found', `${op.key} not found`, { status: 404 });
    this.write(op, 'update');
  }
  async replace(op: WriteOp): Promise<void> {
    this.write(op, 'replace');
  }
  async delete(op: DeleteOp): Promise<void> {
    this.calls.push(`delete ${op.key}`);
    if (this.failOn.has(op.key)) throw new JoeyError('provider_error', `${op.key}: injected failure`);
    this.objects.delete(op.key);
  }
  async setLabels(obj: ActualObject, labels: Record<string, string>): Promise<void> {
    const o = this.objects.get(obj.key);
    if (!o) throw new JoeyError('not_found', `${obj.key} not found`, { status: 404 });
    o.labels = { ...labels };
  }
}
