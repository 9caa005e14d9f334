import { describeTargets, type GroupView, type TargetView } from '../../core/status.js';
import { formatRef } from '../../core/refs.js';
import { type CommandContext, parseRefs } from '../context.js';
import type { CommandResult } from '../render/output.js';
import { PLAIN_STYLE, type TextStyle } from '../render/style.js';
import { table } from '../render/table.js';

/** `drainctl status <ref...>`: targets or whole groups, as the provider and the ledger see them. */
export async function statusCommand(ctx: CommandContext, texts: readonly string[]): Promise<CommandResult> {
  const refs = parseRefs(ctx, texts, 'any');
  const groups = await describeTargets({ refs, providers: ctx.providers, ledger: await ctx.ledger('read'), signal: ctx.signal });
  return { kind: 'status', data: { groups: groups.map(groupData) }, text: statusText(groups, ctx.output.style ?? PLAIN_STYLE), exitCode: 0 };
}

function groupData(g: GroupView): Record<string, unknown> {
  return {
    group: g.group,
    provider_id: g.providerId,
    drain_timeout: { seconds: g.timeout.seconds ?? null, enabled: g.timeout.enabled, ...g.timeout.extra },
    targets: g.targets.map(targetData),
  };
}

function targetData(t: TargetView): Record<string, unknown> {
  return {
    target: formatRef(t.status.ref),
    state: t.status.state,
    health: t.status.health,
    raw: t.status.raw,
    in_flight: t.status.inFlight ?? null,
    registration: t.status.registration ?? null,
    recorded: t.recorded ? { status: t.recorded.status, drain_started_at: t.recorded.drainStartedAt, drained_at: t.recorded.drainedAt } : null,
  };
}

/** One table per group; states in colour and references short when the output's style says so. */
export function statusText(groups: readonly GroupView[], style: TextStyle): string {
  return groups
    .map((g) => {
      const timeout = g.timeout.seconds === undefined ? 'no drain timeout of its own' : g.timeout.enabled ? `drain timeout ${g.timeout.seconds}s` : 'draining disabled';
      const rows = g.targets.map((t) => [
        style.ref(formatRef(t.status.ref)),
        style.state(t.status.state),
        t.status.health,
        [t.status.raw.state, t.status.raw.reason].filter(Boolean).join(' '),
        recordedText(t),
      ]);
      const body = rows.length > 0 ? table(['TARGET', 'STATE', 'HEALTH', 'PROVIDER SAYS', 'RECORDED'], rows) : '(no registered targets)';
      return `${style.ref(g.group)} (${timeout})\n${body}`;
    })
    .join('\n\n');
}

function recordedText(t: TargetView): string {
  const r = t.recorded;
  if (!r) return '-';
  if (r.status === 'stopped') return `drained ${r.drainedAt ?? ''}`.trim();
  if (r.status === 'draining') return `draining since ${r.drainStartedAt ?? '?'}`;
  return 'active';
}
