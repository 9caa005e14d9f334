/**
 * The Lambda recipe in docs/hook.md, run as written (only `from 'drainctl'` pointed at this
 * checkout): its handler, given an SQS event with a lifecycle notification, drains the instance
 * and completes the action once, against the AWS emulator.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startAwsEmulator } from '../../src/emulators/aws/index.js';
import { REPO_ROOT, scratchDir } from '../support/cli.js';

const recipeFile = join(REPO_ROOT, 'test', 'docs', `.lambda-recipe-${process.pid}.ts`);
afterAll(() => rmSync(recipeFile, { force: true }));

it('docs/hook.md Lambda recipe: the handler completes a scale-in action CONTINUE, once', { timeout: 60_000 }, async () => {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'hook.md'), 'utf8');
  const recipe = /<!-- lambda-recipe -->\n```ts\n([\s\S]*?)\n```/.exec(text)?.[1];
  expect(recipe, 'a ```ts block after <!-- lambda-recipe -->').toBeTruthy();
  const [A, B] = ['i-00000000000000a11', 'i-00000000000000a12'];
  const emulator = await startAwsEmulator({
    healthyAfterMs: 0,
    seed: {
      targetGroups: [{ name: 'web', port: 8080, attributes: { 'deregistration_delay.timeout_seconds': '1' }, targets: [{ id: A }, { id: B }] }],
      autoScalingGroups: [{ name: 'web-asg', minSize: 1, maxSize: 2, instances: [{ id: A }, { id: B }], targetGroups: ['web'], lifecycleHooks: [{ name: 'drain', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeout: 60 }] }],
    },
  });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { DRAINCTL_LEDGER: join(scratchDir('drainctl-lambda-'), 'ledger.db'), DRAINCTL_ENDPOINT_URL: emulator.url, AWS_REGION: 'us-east-1' });
    writeFileSync(recipeFile, recipe!.replace("from 'drainctl'", `from '${join(REPO_ROOT, 'src', 'index.js')}'`));
    const token = (await emulator.scaleIn('web-asg', A))!;
    const body = emulator.notificationsSent().find((n) => n.body.includes(token))!.body;
    const { handler } = (await import(recipeFile)) as { handler: (event: unknown) => Promise<void> };
    await handler({ Records: [{ body }] });
    await handler({ Records: [{ body }] }); // redelivered: acknowledged, not completed again
    const completions = emulator.requestLog.filter((e) => e.action === 'CompleteLifecycleAction').map((e) => [e.params.LifecycleActionResult, e.status]);
    expect(completions).toEqual([['CONTINUE', 200]]);
    expect(emulator.instanceLifecycleState(A)).toBe('Terminated');
  } finally {
    process.env = saved;
    await emulator.stop();
  }
});
