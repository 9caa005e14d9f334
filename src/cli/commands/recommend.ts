import { formatRef } from '../../core/refs.js';
import { type Advice, type ProviderFit, type Recommendation, recommendDrainTimeout } from '../../latency/recommend.js';
import { checkLatencyFlags, type LatencySourceFlags, resolveLatency } from '../../latency/sources.js';
import { type CommandContext, parseGroupRef } from '../context.js';
import { type LatencyDeps, latencyReaders } from '../latency-readers.js';
import { cutLine, latencyData, latencyLine, recommendationData, warnAdvice } from '../render/latency.js';
import type { CommandResult } from '../render/output.js';
import { table } from '../render/table.js';

/**
 * `drainctl timeout recommend (--p99 <d> | --from-log <file|-> --format <f> | --from-cloudwatch <ref> | --from-history <ref>)`:
 * the latency quantiles, the recommended drain timeout, and how it fits each provider. Changes nothing.
 */
export async function timeoutRecommendCommand(ctx: CommandContext, flags: LatencySourceFlags, deps: LatencyDeps = {}): Promise<CommandResult> {
  const { kind, options } = checkLatencyFlags(flags);
  const basis = await resolveLatency(flags, kind, undefined, latencyReaders(ctx, deps));
  const recommendation = recommendDrainTimeout(basis.summary, options);
  // Advice about a provider's range belongs in its row; the NLB minimum only matters for NLB target groups, so it stays a note.
  const advice = [...providerAdvice(recommendation.providers, recommendation.seconds, basis.summary.p99), ...basis.advice, ...recommendation.advice];
  warnAdvice(ctx.output, advice);
  const example = exampleGroup(ctx, flags);
  const rows = recommendation.providers.map((p) => [
    p.provider,
    `${p.minSeconds}-${p.maxSeconds}s`,
    `${p.seconds}s`,
    p.clamped === 'max' ? `capped at ${p.maxSeconds}s` : p.clamped === 'min' ? `raised to ${p.minSeconds}s` : (p.advice.find((a) => a.code === 'nlb_minimum')?.message.replace(`${p.provider}: `, '') ?? ''),
  ]);
  return {
    kind: 'timeout_recommendation',
    data: {
      source: basis.source,
      latency: latencyData(basis.summary),
      recommendation: recommendationData(recommendation),
      providers: recommendation.providers.map((p) => ({ provider: p.provider, min_seconds: p.minSeconds, max_seconds: p.maxSeconds, seconds: p.seconds, clamped: p.clamped ?? null, advice: p.advice })),
      advice,
    },
    text: [
      `latency from ${basis.describe}`,
      latencyLine(basis.summary),
      `recommended drain timeout: ${recommendation.seconds}s`,
      `  ${recommendation.explanation}`,
      ...cutLine(recommendation.inflightCutShare, recommendation.seconds),
      '',
      table(['PROVIDER', 'RANGE', 'TIMEOUT', 'NOTE'], rows),
      '',
      applyLine(recommendation, example),
    ].join('\n'),
    exitCode: 0,
  };
}

/** How to apply it: with the named provider's fitted value, and never a value no provider accepts. */
function applyLine(recommendation: Recommendation, example: string): string {
  const fitted = recommendation.providers.find((p) => p.provider === example.split(':')[0]);
  if (fitted) return `apply with: drainctl timeout set ${example} ${fitted.seconds}s`;
  const largestMax = Math.max(...recommendation.providers.map((p) => p.maxSeconds));
  if (recommendation.seconds > largestMax) return `no provider accepts ${recommendation.seconds}s (at most ${largestMax}s): see the warnings above before setting anything`;
  return `apply with: drainctl timeout set ${example} ${recommendation.seconds}s`;
}

/** Range advice once for all providers it concerns, rather than once per provider. */
function providerAdvice(providers: readonly ProviderFit[], seconds: number, p99: number): Advice[] {
  const having = (code: Advice['code']) => providers.filter((p) => p.advice.some((a) => a.code === code));
  const advice: Advice[] = [];
  const wrongTool = having('p99_exceeds_provider_max');
  if (wrongTool.length > 0) {
    advice.push({
      code: 'p99_exceeds_provider_max',
      message: `p99 is longer than the longest drain timeout ${names(wrongTool)} ${wrongTool.length === 1 ? 'allows' : 'allow'} (${Math.max(...wrongTool.map((p) => p.maxSeconds))}s): draining is the wrong tool for this work. Stop taking new work, let running jobs finish, and let the queue hand the rest to other workers (docs/timeouts.md#long-running-work)`,
    });
  }
  const capped = having('clamped_to_provider_max');
  if (capped.length > 0) {
    const max = Math.min(...capped.map((p) => p.maxSeconds));
    advice.push({ code: 'clamped_to_provider_max', message: `${seconds}s is above the maximum of ${names(capped)}: capped at ${max}s, a margin of only ${(max / p99).toFixed(2)} over p99` });
  }
  const raised = having('raised_to_provider_min');
  if (raised.length > 0) advice.push({ code: 'raised_to_provider_min', message: `${seconds}s is below the minimum of ${names(raised)}: raised to ${Math.max(...raised.map((p) => p.minSeconds))}s` });
  return advice;
}

function names(providers: readonly ProviderFit[]): string {
  return providers.map((p) => p.provider).join(', ');
}

/** The group to show in the "apply with" line: the one the source named, else a placeholder. */
function exampleGroup(ctx: CommandContext, flags: LatencySourceFlags): string {
  const named = typeof flags.fromCloudwatch === 'string' ? flags.fromCloudwatch : typeof flags.fromHistory === 'string' ? flags.fromHistory : undefined;
  if (named === undefined) return '<group-ref>';
  return formatRef(parseGroupRef(ctx, named));
}
