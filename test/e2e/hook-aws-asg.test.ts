/**
 * `drainctl hook aws-asg --queue-url` end to end: the emulator's Auto Scaling scales one instance
 * in, moto's SQS carries the lifecycle notification, and the consumer drains the instance from
 * the target group attached to the group (which AWS already deregistered), from a target group
 * the group does not know about (behind an emulated ALB that forwards real requests), and from a
 * real HAProxy, with heartbeats through a drain longer than the heartbeat timeout, then completes
 * the action once. Requests keep flowing through HAProxy and the ALB the whole time: none may
 * fail. The control (AWS alone: only the attached group drained) must lose requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildren } from '../support/cli.js';
import { motoAvailable } from '../support/moto.js';
import { type LoadResult, runLoad, sleep } from '../support/servers.js';
import { ASG, completions, type HookLab, heartbeats, HEARTBEAT_TIMEOUT_S, INSTANCES, startConsumer, startHookLab, until } from './hook-lab.js';

const haveMoto = motoAvailable();
if (!haveMoto && process.env.CI) throw new Error('moto is needed for the lifecycle hook tests (python3 -m moto.server); .ci/run installs it');

let lab: HookLab | undefined;
afterEach(async () => {
  killAllChildren();
  await lab?.stop();
  lab = undefined;
});

/** Load through HAProxy and through the ALB of the unattached group until stopped. */
function loads(l: HookLab): { stop(): Promise<{ haproxy: LoadResult; alb: LoadResult }> } {
  const options = { rate: 40, total: 4000, maxDurationMs: 60_000, slowShare: 0.2 };
  const haproxy = runLoad({ url: `http://127.0.0.1:${l.haproxy.frontendPort}`, ...options });
  const alb = runLoad({ url: l.emulator.dataPlaneUrl('alb-ecs'), ...options });
  return {
    stop: async () => {
      haproxy.stop();
      alb.stop();
      return { haproxy: await haproxy.done, alb: await alb.done };
    },
  };
}

describe.skipIf(!haveMoto)('drainctl hook aws-asg: a scale-in with routes AWS does not know about', () => {
  it('drains all three routes, heartbeats through the drain, completes CONTINUE once, and no request fails', { timeout: 90_000 }, async () => {
    lab = await startHookLab();
    const consumer = startConsumer(lab);
    await until('the consumer polls', () => /consuming/.test(consumer.output()), 20_000, consumer.output);
    const load = loads(lab);
    await sleep(1000);
    const victim = INSTANCES[0];
    const token = (await lab.emulator.scaleIn(ASG, victim))!;
    await until(`${victim} terminated`, () => lab!.terminated.includes(victim), 45_000, consumer.output);
    await sleep(1000); // the load goes on over the two instances left
    const seen = await load.stop();
    const summary = JSON.stringify({ haproxy: { ...seen.haproxy, byBackend: seen.haproxy.byBackend }, alb: seen.alb }, null, 1);

    expect(seen.haproxy.failures, summary).toEqual([]);
    expect(seen.alb.failures, summary).toEqual([]);
    expect(seen.haproxy.ok + seen.alb.ok, summary).toBeGreaterThan(300);
    // The victim served traffic on both paths before the scale-in, so both drains mattered.
    expect(seen.haproxy.byBackend[victim] ?? 0, summary).toBeGreaterThan(0);
    expect(lab.emulator.dataPlaneStats('alb-ecs').targets.find((t) => t.id === victim)?.forwarded ?? 0).toBeGreaterThan(0);

    expect(completions(lab.emulator, token)).toEqual([{ result: 'CONTINUE', status: 200 }]);
    // The unattached group's 5 s drain outlasts the 2 s heartbeat timeout: only heartbeats kept the action alive.
    expect(heartbeats(lab.emulator, token)).toBeGreaterThanOrEqual(Math.floor(5 / HEARTBEAT_TIMEOUT_S));
    const done = consumer.records().find((r) => r.type === 'lifecycle' && r.phase === 'completed');
    expect(done, consumer.output()).toMatchObject({ subject: `${ASG}/${victim}`, details: { result: 'CONTINUE', completion: 'completed' } });
    const discovered = consumer.records().find((r) => r.type === 'lifecycle' && r.phase === 'discovered') as { details: { attached: string[]; found: string[]; configured: string[] } } | undefined;
    expect(discovered?.details.attached?.map((t) => t.replace(/^elbv2:.*targetgroup\/([^/]+)\/.*\/(i-\w+)$/, '$1/$2'))).toEqual([`web-attached/${victim}`]);
    expect(discovered?.details.found?.map((t) => t.replace(/^elbv2:.*targetgroup\/([^/]+)\/[0-9a-f]+\/(i-\w+):\d+$/, '$1/$2'))).toEqual([`ecs-tasks/${victim}`]);
    expect(discovered?.details.configured).toEqual([`haproxy:${lab.haproxy.socketPath}/be_app/${victim}`]);
    if (process.env.HOOK_DEBUG) console.log(summary, consumer.output());
    expect(await consumer.stop()).toMatchObject({ code: 0 });
  });

  it('control: AWS alone (only the attached target group drained) loses requests on the routes it does not know', { timeout: 60_000 }, async () => {
    lab = await startHookLab({ withHook: false });
    const load = loads(lab);
    await sleep(1000);
    await lab.emulator.scaleIn(ASG, INSTANCES[0]);
    await until('terminated', () => lab!.terminated.includes(INSTANCES[0]), 20_000);
    await sleep(1500);
    const seen = await load.stop();
    expect(seen.haproxy.failed + seen.alb.failed, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
