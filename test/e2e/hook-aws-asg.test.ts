/**
 * `drainctl hook aws-asg --queue-url` end to end: the emulator's Auto Scaling scales one instance
 * in, moto's SQS carries the lifecycle notification, and the consumer drains the instance from
 * the target group attached to the group (which AWS already deregistered), from a target group
 * the group does not know about (behind an emulated ALB that forwards real requests), and from a
 * real HAProxy, with heartbeats through a drain longer than the heartbeat timeout, then completes
 * the action once. Requests keep flowing through HAProxy and the ALB the whole time: none may
 * fail. The control (AWS alone: only the attached group drained) must lose requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildren, REPO_ROOT } from '../support/cli.js';
import { motoAvailable } from '../support/moto.js';
import { type LoadResult, runLoad, sleep } from '../support/servers.js';
import { ASG, completions, type HookLab, heartbeats, HEARTBEAT_TIMEOUT_S, INSTANCES, sendRaw, startConsumer, startHookLab, until } from './hook-lab.js';

const haveMoto = motoAvailable();
if (!haveMoto && process.env.CI) throw new Error('moto is needed for the lifecycle hook tests (python3 -m moto.server); .ci/run installs it');

let lab: HookLab | undefined;
/** Every AWS action the hook's consumers made in this file, as IAM names it. */
const made = new Set<string>();
afterEach(async () => {
  killAllChildren();
  if (lab) {
    for (const e of lab.emulator.requestLog) made.add(`${e.service === 'autoscaling' || e.service === 'ec2' ? e.service : 'elasticloadbalancing'}:${e.action}`);
    for (const a of lab.sqsActions) made.add(a);
  }
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
    // The stop is said at once, before the long poll under way ends.
    expect(consumer.records().find((r) => r.type === 'lifecycle' && r.subject === 'queue' && r.phase === 'released')?.message).toMatch(/^stop asked: no new messages; the long poll under way ends within 1s/);
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

describe.skipIf(!haveMoto)('drainctl hook aws-asg: faults and odd messages lose nothing', () => {
  it('a consumer killed mid-drain: another one finishes the action, with exactly one successful completion', { timeout: 90_000 }, async () => {
    // The heartbeat timeout outlasts the message's visibility timeout (4 s) and a consumer's start, as docs/hook.md asks.
    // An older IAM policy without DescribeTrafficSources: the consumers fall back to the two older calls.
    lab = await startHookLab({ heartbeatTimeoutS: 15, deniedActions: ['DescribeTrafficSources'] });
    const first = startConsumer(lab);
    await until('the first consumer polls', () => /consuming/.test(first.output()), 20_000, first.output);
    const victim = INSTANCES[1];
    const token = (await lab.emulator.scaleIn(ASG, victim))!;
    // Killed once it has claimed the action and started the drains (the unattached group drains for 5 s).
    await until('the first consumer drains', () => first.records().some((r) => r.type === 'action' && r.action === 'deregister'), 20_000, first.output);
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    expect(lab.terminated).toEqual([]);

    const second = startConsumer(lab);
    await until(`${victim} terminated`, () => lab!.terminated.includes(victim), 45_000, second.output);
    expect(completions(lab.emulator, token), second.output()).toEqual([{ result: 'CONTINUE', status: 200 }]);
    const resumed = second.records().filter((r) => r.type === 'lifecycle' && r.subject === `${ASG}/${victim}`).map((r) => `${r.phase}: ${r.message}`);
    expect(resumed, second.output()).toContain('claimed: resuming an action a consumer that stopped had claimed');
    // The second consumer followed the drains the first one started: no second change at the load balancer.
    expect(second.records().filter((r) => r.type === 'action' && r.action === 'deregister'), second.output()).toEqual([]);
    expect(await second.stop()).toMatchObject({ code: 0 });
  });

  it('a duplicate delivery, a test notification, a malformed body and an expired token: each handled as documented, one completion in all', { timeout: 90_000 }, async () => {
    lab = await startHookLab();
    // An action nobody answers: the heartbeat timeout passes and the hook's default result applies.
    const expiredToken = (await lab.emulator.scaleIn(ASG, INSTANCES[2]))!;
    await until('the expired action ends by its default result', () => lab!.terminated.includes(INSTANCES[2]), 20_000);

    const consumer = startConsumer(lab);
    await until('the expired notification is handled', () => consumer.records().some((r) => r.type === 'lifecycle' && r.phase === 'already_done'), 30_000, consumer.output);
    const token = (await lab.emulator.scaleIn(ASG, INSTANCES[0]))!;
    await until(`${INSTANCES[0]} terminated`, () => lab!.terminated.includes(INSTANCES[0]), 45_000, consumer.output);
    const delivered = lab.emulator.notificationsSent().find((n) => n.body.includes(token))!;
    await sendRaw(lab, delivered.body); // the same notification again, as SQS may deliver it
    await lab.emulator.sendTestNotification(ASG, 'drain-on-scale-in');
    await sendRaw(lab, 'this is not a lifecycle notification');
    await until('the duplicate, the test notification and the malformed body are handled', () => {
      const phases = consumer.records().filter((r) => r.type === 'lifecycle').map((r) => `${r.phase}: ${r.message}`);
      return phases.filter((p) => p.startsWith('already_done')).length >= 2 && phases.some((p) => p.startsWith('skipped: test notification')) && phases.some((p) => /is not JSON/.test(p));
    }, 30_000, consumer.output);

    expect(completions(lab.emulator, token)).toEqual([{ result: 'CONTINUE', status: 200 }]);
    expect(completions(lab.emulator, expiredToken)).toEqual([]); // nothing sent for an action that had ended
    const lines = consumer.records().filter((r) => r.type === 'lifecycle').map((r) => `${r.phase}: ${r.message}`);
    expect(lines.find((l) => l.startsWith('already_done: the instance is')), consumer.output()).toMatch(/already_done: the instance is (no longer in the group|Terminated)/);
    expect(lines.find((l) => /already completed \(CONTINUE/.test(l)), consumer.output()).toBeDefined();
    // The malformed body is left for the queue's redrive policy (two receives, then the dead-letter queue).
    await until('the malformed body reaches the dead-letter queue', async () => (await dlqDepth(lab!)) === 1, 30_000, consumer.output);
    expect(await consumer.stop()).toMatchObject({ code: 0 });
  });
});

describe.skipIf(!haveMoto)('docs/hook.md IAM policy', () => {
  it('allows every call the consumers made above, and nothing they did not need (launch hooks aside)', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs', 'hook.md'), 'utf8');
    const block = /<!-- hook-iam-policy -->\n```json\n([\s\S]*?)\n```/.exec(text);
    expect(block, 'a ```json block after <!-- hook-iam-policy -->').toBeTruthy();
    const allowed = new Set((JSON.parse(block![1]!) as { Statement: { Action: string[] }[] }).Statement.flatMap((s) => s.Action));
    // What the test itself triggered through the emulator's admin calls is not logged; every logged call is the consumers'.
    // A denied call was still made (and is what triggered the fallback), so it belongs in the policy too.
    expect([...made].filter((a) => !allowed.has(a)).sort(), 'made but not allowed').toEqual([]);
    // Only a launch hook registers targets; the end-to-end runs here are scale-ins.
    expect([...allowed].filter((a) => !made.has(a)).sort(), 'allowed but never needed').toEqual(['elasticloadbalancing:RegisterTargets']);
  });
});

async function dlqDepth(l: HookLab): Promise<number> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const out = await l.sqs.send(new GetQueueAttributesCommand({ QueueUrl: l.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}
