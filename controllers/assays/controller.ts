/**
 * The assays controller: analyzes every active assay's windows as they close and stores the results
 * (`AssayService.evaluate`). A window is analyzed once it has been closed for `settleMs`, so inferences logged
 * just before its end (the log store flushes within a second) are in it. Several controllers may share a state
 * directory: each window's result is written once (the assay's cursor is checked under the store lock).
 */
import { assaysOf, type AssayResultRecord, type AssayService } from '../../src/engine/assays/index.js';
import type { Engine } from '../../src/engine/index.js';

export interface AssayClock {
  now(): number;
}

export interface AssayControllerOptions {
  clock?: AssayClock;
  /** How often assays are checked (default 5 s). */
  intervalMs?: number;
  /** How long after a window's end it is analyzed (default 3 s). */
  settleMs?: number;
  /** Most windows analyzed per assay per tick, so a long backlog does not block the others (default 500). */
  maxWindowsPerTick?: number;
  onError?: (err: unknown, assayId: number) => void;
  onResults?: (results: AssayResultRecord[]) => void;
}

export class AssayController {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly clock: AssayClock;
  private readonly opts: Required<Omit<AssayControllerOptions, 'clock' | 'onError' | 'onResults'>>;
  private readonly service: AssayService;

  /** Takes the engine's AssayService, or the Engine itself (then `assaysOf(engine)`). */
  constructor(
    target: AssayService | Engine,
    private readonly options: AssayControllerOptions = {},
  ) {
    this.service = 'evaluate' in target ? target : assaysOf(target);
    this.clock = options.clock ?? { now: () => Date.now() };
    this.opts = { intervalMs: 5000, settleMs: 3000, maxWindowsPerTick: 500, ...stripUndefined(options) };
  }

  /** One pass over the active assays; returns the results it stored. */
  async tick(): Promise<AssayResultRecord[]> {
    const until = this.clock.now() - this.opts.settleMs;
    const out: AssayResultRecord[] = [];
    for (const a of this.service.list()) {
      if (!a.active) continue;
      try {
        const r = await this.service.evaluate(a.id, until, this.opts.maxWindowsPerTick);
        out.push(...r);
      } catch (err) {
        this.options.onError?.(err, a.id);
      }
    }
    if (out.length) this.options.onResults?.(out);
    return out;
  }

  start(): this {
    if (this.timer) return this;
    const loop = () => {
      if (!this.running) {
        this.running = this.tick()
          .catch((err) => this.options.onError?.(err, -1))
          .finally(() => (this.running = undefined));
      }
    };
    this.timer = setInterval(loop, this.opts.intervalMs);
    loop();
    return this;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'object')) as Partial<T>;
}
