/** Lifecycle notifications reaching a real SQS queue (moto), read back with the real SQS client. */
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoAvailable, requireTool, startMoto, type MotoServer } from '../../support/moto.js';
import { FakeClock, credentials, emulatorHarness } from './helpers.js';
import { WEB_1, asgSeed } from './autoscaling-fixtures.js';

const h = emulatorHarness();
const haveMoto = requireTool('moto', motoAvailable());

describe.skipIf(!haveMoto)('lifecycle notifications to SQS (moto)', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1', credentials });
  }, 30_000);
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  async function queue(name: string): Promise<string> {
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return out.QueueUrl!;
  }

  async function receiveOne(queueUrl: string): Promise<Record<string, unknown>> {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    expect(out.Messages).toHaveLength(1);
    const message = out.Messages![0]!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    return JSON.parse(message.Body!) as Record<string, unknown>;
  }

  it('scale-in sends the terminating message Auto Scaling sends, with the token the handle returned', async () => {
    const queueUrl = await queue('drain-hook');
    const clock = new FakeClock();
    const emulator = await h.start({ seed: asgSeed({ notificationQueueUrl: queueUrl }), clock });
    const token = await emulator.scaleIn('web', WEB_1);
    const body = await receiveOne(queueUrl);
    expect(Object.keys(body)).toEqual([
      'Origin', 'LifecycleHookName', 'Destination', 'AccountId', 'RequestId', 'LifecycleTransition', 'AutoScalingGroupName',
      'Service', 'Time', 'EC2InstanceId', 'LifecycleActionToken', 'NotificationMetadata',
    ]);
    expect(body).toEqual({
      Origin: 'AutoScalingGroup',
      LifecycleHookName: 'drain',
      Destination: 'EC2',
      AccountId: '123456789012',
      RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      AutoScalingGroupName: 'web',
      Service: 'AWS Auto Scaling',
      Time: new Date(clock.now()).toISOString(),
      EC2InstanceId: WEB_1,
      LifecycleActionToken: token,
      NotificationMetadata: '{"drain":"web"}',
    });
    expect(emulator.notificationsSent()).toEqual([expect.objectContaining({ queueUrl, delivered: true, messageId: expect.any(String) })]);
  });

  it('sends the TEST_NOTIFICATION message to the emulator-wide queue', async () => {
    const queueUrl = await queue('test-notes');
    const emulator = await h.start({ seed: asgSeed(), notificationQueueUrl: queueUrl });
    const record = await emulator.sendTestNotification('web', 'drain');
    expect(record.delivered).toBe(true);
    const body = await receiveOne(queueUrl);
    expect(body).toEqual({
      AccountId: '123456789012',
      RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      AutoScalingGroupARN: emulator.autoScalingGroupArn('web'),
      AutoScalingGroupName: 'web',
      Service: 'AWS Auto Scaling',
      Event: 'autoscaling:TEST_NOTIFICATION',
      Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('records, without throwing, a notification the queue refused', async () => {
    const emulator = await h.start({ seed: asgSeed({ notificationQueueUrl: `${moto.url}/123456789012/no-such-queue` }) });
    const token = await emulator.scaleIn('web', WEB_1);
    expect(token).toEqual(expect.any(String));
    expect(emulator.notificationsSent()).toEqual([expect.objectContaining({ delivered: false, error: expect.stringMatching(/^SQS answered 400/) })]);
  });
});
