import { drainTargets } from '../../core/drain.js';
import { parseRef, type TargetRef } from '../../core/refs.js';
import { restoreTargets } from '../../core/restore.js';
import { describeTargets } from '../../core/status.js';
import { createMemoryLedger } from '../../ledger/index.js';
import { createProviderResolver, refSyntaxes } from '../../providers/registry.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import type { CommandResult } from '../render/output.js';

const DEMO_TARGET = 'elbv2:web/i-0a1b2c3d4e5f60001';

/**
 * `drainctl demo`: the whole job on the built-in emulator, with no cloud account. It
 * uses a private in-memory ledger so the user's own drain record is left alone.
 */
export async function demoCommand(ctx: CommandContext, _flags: { provider: string }): Promise<CommandResult> {
  const { startAwsEmulator, demoSeed } = await import('../../emulators/aws/index.js');
  const emulator = await startAwsEmulator({ seed: demoSeed(), throttle: 'aws' });
  const providers = createProviderResolver({ endpointUrl: emulator.url, region: 'us-east-1', env: {}, debug: ctx.options.debug ? (l) => ctx.output.debug(l) : undefined });
  const ledger = createMemoryLedger();
  const target = parseRef(DEMO_TARGET, refSyntaxes, 'target') as TargetRef;
  const common = { providers, ledger, signal: ctx.signal, onEvent: ctx.output.event.bind(ctx.output) };
  try {
    ctx.output.note(`Started the AWS ELB emulator at ${emulator.url}: target group "web" with 3 targets and a 5 s deregistration delay.`);
    await showGroup(ctx, providers, ledger, 'Before:');
    ctx.output.note(`Draining ${DEMO_TARGET}: no new requests go to it; drainctl waits until the load balancer reports it done.`);
    const drained = await drainTargets({ ...common, targets: [target] });
    await showGroup(ctx, providers, ledger, 'Drained:');
    ctx.output.note(`Restoring ${DEMO_TARGET} exactly as it was registered (port ${8080}), then waiting until it is healthy.`);
    const restored = await restoreTargets({ ...common, targets: [target] });
    const ok = drained.results.every((r) => r.outcome === 'drained') && restored.results.every((r) => r.outcome === 'restored');
    const calls = emulator.requestLog.length;
    return {
      kind: 'demo',
      data: { endpoint: emulator.url, drain: drained.results, restore: restored.results, api_calls: calls },
      text: ok ? `demo finished: drained and restored ${DEMO_TARGET} with ${calls} API calls` : 'demo did not finish as expected',
      exitCode: ok ? EXIT.ok : EXIT.error,
    };
  } finally {
    providers.closeAll();
    await emulator.stop();
  }
}

async function showGroup(ctx: CommandContext, providers: ReturnType<typeof createProviderResolver>, ledger: ReturnType<typeof createMemoryLedger>, title: string): Promise<void> {
  const [group] = await describeTargets({ refs: [parseRef('elbv2:web', refSyntaxes, 'group')], providers, ledger, signal: ctx.signal });
  const lines = (group?.targets ?? []).map((t) => `  ${t.status.ref.target.padEnd(26)} ${t.status.state.padEnd(9)} ${t.status.state === 'active' ? t.status.health : t.recorded?.status === 'stopped' ? 'drained by drainctl' : ''}`);
  ctx.output.note(`${title}\n${lines.join('\n')}`);
}
