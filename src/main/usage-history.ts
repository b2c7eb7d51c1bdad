// Cache-usage samples of the last minutes, per workspace: what the `cache:usage` push event sends
// (at most one sample per workspace per second, whatever the engine emits) and what
// `cache:get-history` returns for the chart's first frame. Bounded by age and count.
import type { UsageSample } from '../shared/ipc-contract';

/** Recent usage samples. */
export class UsageHistory {
  private readonly samples: UsageSample[] = [];
  private readonly lastEmitted = new Map<string, number>();

  constructor(
    private readonly keepMs = 5 * 60_000, // what the chart shows (renderer HISTORY_SECONDS)
    private readonly minIntervalMs = 1_000,
    private readonly maxSamples = 5_000,
  ) {}

  /** Records a sample; true if it should be pushed (the workspace's previous push is ≥ 1 s older). */
  add(sample: UsageSample): boolean {
    const last = this.lastEmitted.get(sample.workspaceId);
    if (last !== undefined && sample.at - last < this.minIntervalMs) return false;
    this.lastEmitted.set(sample.workspaceId, sample.at);
    this.samples.push(sample);
    const cutoff = sample.at - this.keepMs;
    while (this.samples.length > 0 && (this.samples[0]!.at < cutoff || this.samples.length > this.maxSamples)) this.samples.shift();
    return true;
  }

  /** Samples, oldest first. */
  list(): UsageSample[] {
    return [...this.samples];
  }

  /** The newest sample of a workspace. */
  latest(workspaceId: string): UsageSample | undefined {
    return this.samples.findLast((s) => s.workspaceId === workspaceId);
  }

  /** Drops a removed workspace's samples. */
  forget(workspaceId: string): void {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.workspaceId === workspaceId) this.samples.splice(i, 1);
    this.lastEmitted.delete(workspaceId);
  }
}
