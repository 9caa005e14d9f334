import { drainTargets } from '../../core/drain.js';
import { parseRef, type TargetRef } from '../../core/refs.js';
import { restoreTargets } from '../../core/restore.js';
import { describeTargets } from '../../core/status.js';
import type { Ledger } from '../../core/ledger.js';
import type { ProviderResolver } from '../../core/provider.js';
import { createMemoryLedger } from '../../ledger/index.js';
import { createProviderResolver, refSyntaxes } from '../../providers/registry.js';
import type { CommandContext } from '../context.js';
import { EMULATORS } from '../emulators.js';
import { EXIT } from '../exit-codes.js';
import type { CommandResult } from '../render/output.js';

/**
 * `drainctl demo [--provider aws|azure|gcp]`: the whole job on a built-in emulator, with
 * no cloud account. A private in-memory ledger leaves the user's own drain record alone.
 */
export async function demoCommand(ctx: CommandContext, flags: { provider: string }): Promise<CommandResult> {
  const kind = await EMULATORS[flags.provider]!();
  const scenario = kind.demo;
  const emulator = await kind.start({ port: 0, seedFile: undefined, throttle: true });
  const providers = createProviderResolver({ ...scenario.providerOptions(emulator.url), debug: ctx.options.debug ? (l) => ctx.output.debug(l) : undefined });
  const ledger = createMemoryLedger();
  const target = parseRef(scenario.target, refSyntaxes, 'target') as TargetRef;
  const common = { providers, ledger, signal: ctx.signal, onEvent: ctx.output.event.bind(ctx.output) };
  try {
    ctx.output.note(scenario.intro(emulator.url));
    await showGroup(ctx, providers, ledger, scenario.group, 'Before:');
    ctx.output.note(`Draining ${scenario.target}: no new requests go to it; drainctl waits until its in-flight work has had its time.`);
    const drained = await drainTargets({ ...common, targets: [target], timeoutMs: scenario.timeoutMs });
    await showGroup(ctx, providers, ledger, scenario.group, 'Drained:');
    ctx.output.note(`Restoring ${scenario.target} exactly as it was registered, then waiting until it is healthy.`);
    const restored = await restoreTargets({ ...common, targets: [target] });
    const ok = drained.results.every((r) => r.outcome === 'drained') && restored.results.every((r) => r.outcome === 'restored');
    const calls = emulator.requestLog.length;
    return {
      kind: 'demo',
      data: { endpoint: emulator.url, drain: drained.results, restore: restored.results, api_calls: calls },
      text: ok ? `demo finished: drained and restored ${scenario.target} with ${calls} API calls` : 'demo did not finish as expected',
      exitCode: ok ? EXIT.ok : EXIT.error,
    };
  } finally {
    providers.closeAll();
    await emulator.stop();
  }
}

async function showGroup(ctx: CommandContext, providers: ProviderResolver, ledger: Ledger, groupText: string, title: string): Promise<void> {
  const [group] = await describeTargets({ refs: [parseRef(groupText, refSyntaxes, 'group')], providers, ledger, signal: ctx.signal });
  const lines = (group?.targets ?? []).map((t) => {
    const detail = t.status.state === 'active' ? t.status.health : t.recorded?.status === 'stopped' ? 'drained by drainctl' : '';
    return `  ${t.status.ref.target.padEnd(26)} ${t.status.state.padEnd(9)} ${detail}`;
  });
  ctx.output.note(`${title}\n${lines.join('\n')}`);
}
