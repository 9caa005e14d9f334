import { formatDuration, MAX_WAIT_MS, parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import type { TargetRef } from '../../core/refs.js';
import type { OperationReport, TargetResult } from '../../core/report.js';
import { exitCodeForReport } from '../exit-codes.js';
import { plural } from '../render/messages.js';
import type { CommandResult } from '../render/output.js';

/** Turns a drain, restore or watch report into the command's result: data, a summary, and the exit code. */
export function reportResult(report: OperationReport, refs: readonly TargetRef[]): CommandResult {
  const exitCode = exitCodeForReport(report);
  const data = {
    operation: report.operation,
    dry_run: report.dryRun,
    started_at: report.startedAt,
    finished_at: report.finishedAt,
    results: report.results.map(resultData),
    ...(report.unrecorded && { unrecorded: report.unrecorded }),
  };
  const timedOut = report.results.filter((r) => r.outcome === 'timed_out').map((r) => r.target);
  const problem = timedOut.length > 0 ? timeoutProblem(report, timedOut, refs) : undefined;
  return { kind: report.operation, data, text: summaryText(report), exitCode, ...(problem && { problem }) };
}

function resultData(r: TargetResult): Record<string, unknown> {
  return { target: r.target, outcome: r.outcome, state: r.state, health: r.health, raw: r.raw, elapsed_ms: r.elapsedMs, ...(r.evidence && { evidence: r.evidence }) };
}

function summaryText(report: OperationReport): string {
  const elapsed = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const counts = new Map<string, number>();
  for (const r of report.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const parts = [...counts].map(([outcome, n]) => `${n} ${outcome.replace('_', ' ')}`);
  // A dry run's time is how long the checks took; after "would drain" it would read as an estimate of the drain.
  const took = report.dryRun ? '' : ` in ${formatDuration(elapsed)}`;
  return `${report.operation}${report.dryRun ? ' (dry run)' : ''}: ${parts.join(', ') || 'nothing to do'}${took}`;
}

function timeoutProblem(report: OperationReport, targets: readonly string[], _refs: readonly TargetRef[]): { message: string; hint: string } {
  // The canonical references (the group's name, the registration's port), as the ledger knows them.
  const names = targets.join(' ');
  if (report.operation === 'restore') {
    return { message: `timed out waiting for ${plural(targets.length, 'target')} to become healthy: ${targets.join(', ')}`, hint: `check health with: drainctl status ${names}` };
  }
  // A target whose last look failed is not "still draining": its state is unknown.
  const unknown = report.results.filter((r) => r.outcome === 'timed_out' && r.state === 'unknown').map((r) => r.target);
  const draining = targets.filter((t) => !unknown.includes(t));
  const parts = [draining.length > 0 && `${draining.join(', ')} still draining`, unknown.length > 0 && `${unknown.join(', ')} in an unknown state (the last look failed)`].filter(Boolean);
  return {
    message: `timed out: ${parts.join('; ')}`,
    hint: `keep following with: drainctl watch ${names} (or put back with: drainctl restore ${names})`,
  };
}

/** The --timeout of a waiting command, refused with --no-wait where it would mean nothing. */
export function waitBound(flags: { readonly timeout?: string; readonly wait: boolean }): number | undefined {
  if (!flags.wait && flags.timeout !== undefined) throw usageError('--timeout bounds the wait and cannot be used with --no-wait', 'drop one of the two');
  return flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout', MAX_WAIT_MS);
}
