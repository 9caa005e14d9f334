import { DrainctlError, usageError } from '../../core/errors.js';
import { formatRef } from '../../core/refs.js';
import { checkTimeoutInRange, setDrainTimeout } from '../../core/timeouts.js';
import { fitToLimits, recommendDrainTimeout } from '../../latency/recommend.js';
import { checkLatencyFlags, hasLatencySource, type LatencySourceFlags, msOf, resolveLatency, SOURCE_FLAGS } from '../../latency/sources.js';
import { groupTimeoutAdvice } from '../../providers/aws/group-facts.js';
import { type CommandContext, parseGroupRef } from '../context.js';
import { type LatencyDeps, latencyReaders } from '../latency-readers.js';
import { cutLine, latencyData, latencyLine, recommendationData, warnAdvice } from '../render/latency.js';
import type { CommandResult } from '../render/output.js';
import { settingData } from './timeout.js';

export type { LatencySourceFlags } from '../../latency/sources.js';
export type { LatencyDeps } from '../latency-readers.js';

/**
 * `drainctl timeout set <group-ref> [duration] [--p99 … | --from-log … | --from-cloudwatch [ref] | --from-history [ref]]`:
 * with a duration, the plain `timeout set`; with a source, the recommendation for this provider.
 */
export async function timeoutSetFromCommand(ctx: CommandContext, text: string, duration: string | undefined, flags: LatencySourceFlags & { dryRun?: boolean }, deps: LatencyDeps = {}): Promise<CommandResult> {
  if (duration !== undefined && hasLatencySource(flags)) {
    throw usageError(`give either a duration or a latency source (${SOURCE_FLAGS}), not both`, `e.g. drainctl timeout set ${text} 60s, or drainctl timeout set ${text} --p99 850ms`);
  }
  if (duration !== undefined) {
    for (const [flag, value] of [['--margin', flags.margin], ['--floor', flags.floor], ['--format', flags.format], ['--field', flags.field], ['--unit', flags.unit], ['--since', flags.since]] as const) {
      if (value !== undefined) throw usageError(`${flag} applies only with a latency source (${SOURCE_FLAGS}), not with a duration`);
    }
    return (await import('./timeout.js')).timeoutSetCommand(ctx, text, duration, { dryRun: flags.dryRun });
  }
  if (!hasLatencySource(flags)) throw usageError(`timeout set needs a duration or a latency source (${SOURCE_FLAGS})`, `e.g. drainctl timeout set ${text} 60s, or drainctl timeout set ${text} --from-log access.log --format alb`);
  const group = parseGroupRef(ctx, text);
  const { kind, options } = checkLatencyFlags(flags);
  const basis = await resolveLatency(flags, kind, text, latencyReaders(ctx, deps));
  const recommendation = recommendDrainTimeout(basis.summary, options, []);
  const provider = await ctx.providers(group.provider, group);
  const what = `${provider.descriptor.syntax.groupNoun} ${group.group}`;
  if (!provider.descriptor.timeout) checkTimeoutInRange(0, undefined, what);
  const fit = fitToLimits(recommendation.seconds, basis.summary, group.provider, provider.descriptor.timeout!);
  const tooLong = fit.advice.find((a) => a.code === 'p99_exceeds_provider_max');
  if (tooLong) {
    throw new DrainctlError('refused', tooLong.message, { hint: `nothing was changed; to set the longest allowed anyway: drainctl timeout set ${text} ${fit.maxSeconds}s`, details: { p99_ms: msOf(basis.summary.p99), max_seconds: fit.maxSeconds } });
  }
  const result = await setDrainTimeout({ provider, group, groupText: text, seconds: fit.seconds, ledger: await ctx.ledger(), dryRun: flags.dryRun, signal: ctx.signal });
  // The range fit warns about the NLB minimum for every elbv2 group; what the group really is decides.
  const advice = [...basis.advice, ...recommendation.advice, ...fit.advice.filter((a) => a.code !== 'nlb_minimum'), ...groupTimeoutAdvice(text, result.previous, fit.seconds)];
  warnAdvice(ctx.output, advice);
  const verb = result.dryRun ? 'would change' : 'changed';
  const clampNote = fit.clamped ? ` (${fit.clamped === 'max' ? 'capped at the maximum' : 'raised to the minimum'} ${fit.seconds}s)` : '';
  return {
    kind: 'timeout',
    data: {
      group: formatRef(group),
      dry_run: result.dryRun,
      previous: settingData(result.previous),
      current: settingData(result.current),
      source: basis.source,
      latency: latencyData(basis.summary),
      recommendation: { ...recommendationData(recommendation), provider_seconds: fit.seconds, clamped: fit.clamped ?? null },
      advice,
    },
    text: [
      `${text}: ${verb} drain timeout ${result.previous.seconds ?? '-'}s -> ${result.current.seconds ?? '-'}s${result.previous.enabled ? '' : ' (and enabled draining)'}`,
      `  from ${basis.describe}`,
      latencyLine(basis.summary),
      `  ${recommendation.explanation}${clampNote}`,
      ...cutLine(basis.summary.inflightBeyond?.(fit.seconds), fit.seconds),
    ].join('\n'),
    exitCode: 0,
  };
}
