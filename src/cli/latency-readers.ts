import type { LatencyReaders } from '../latency/sources.js';
import { type InsightsFactory, readCloudWatchLatency } from '../providers/aws/group-facts.js';
import { type CommandContext, parseGroupRef } from './context.js';

/** Test seams of the latency commands: how AWS facts are read. */
export interface LatencyDeps {
  readonly insights?: InsightsFactory<'latency'>;
}

/** What the latency sources read through: this command's references, ledger, signal and CloudWatch. */
export function latencyReaders(ctx: CommandContext, deps: LatencyDeps = {}): LatencyReaders {
  return {
    signal: ctx.signal,
    parseGroup: (text) => parseGroupRef(ctx, text),
    ledger: () => ctx.ledger('read'),
    metrics: (group, sinceMs) => readCloudWatchLatency(ctx.providerSettings(group), group, sinceMs, ctx.signal, deps.insights),
  };
}
