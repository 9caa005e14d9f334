/**
 * EC2 DescribeInstances on the AWS emulator, through the real @aws-sdk/client-ec2 (which parses
 * EC2's own protocol), drainctl's address reader, raw requests for the wire shapes, and the real
 * AWS CLI (botocore's parser).
 */
import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type DescribeInstancesResult, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { standaloneCall } from '../../../src/core/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import type { AwsEmulator, AwsEmulatorOptions, AwsSeed } from '../../../src/emulators/aws/index.js';
import { createAddressReader, type InstanceAddressSource } from '../../../src/providers/aws-asg/addresses.js';
import { awsCli, haveAwsCli } from './aws-cli.js';
import { WEB_1, WEB_2, WEB_3, asgSeed, autoScalingClients } from './autoscaling-fixtures.js';
import { FakeClock, credentials, emulatorHarness, postForm, rejectionOf } from './helpers.js';

const UNKNOWN = 'i-0ffffffffffffffff';
const LAUNCHED = 'i-0c000000000000001';

/** asgSeed with private addresses on WEB_1 and WEB_2; WEB_3 and the batch instance have none. */
function seedWithAddresses(): AwsSeed {
  const base = asgSeed({ heartbeatTimeout: 300 });
  const addresses: Record<string, string> = { [WEB_1]: '10.0.1.5', [WEB_2]: '10.0.2.6' };
  return {
    ...base,
    autoScalingGroups: base.autoScalingGroups!.map((g) => ({ ...g, instances: g.instances?.map((i) => (addresses[i.id] ? { ...i, privateIp: addresses[i.id] } : i)) })),
  };
}

const h = emulatorHarness();
const autoScaling = autoScalingClients();
const ec2Clients: EC2Client[] = [];
const readers: InstanceAddressSource[] = [];
afterEach(() => {
  for (const c of ec2Clients.splice(0)) c.destroy();
  for (const r of readers.splice(0)) r.close();
});

async function setUp(options: AwsEmulatorOptions = {}): Promise<{ emulator: AwsEmulator; ec2: EC2Client }> {
  const emulator = await h.start({ seed: seedWithAddresses(), ...options });
  const ec2 = new EC2Client({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  ec2Clients.push(ec2);
  return { emulator, ec2 };
}

async function readerFor(emulator: AwsEmulator): Promise<InstanceAddressSource> {
  const reader = await createAddressReader({ endpointUrl: emulator.url, region: 'us-east-1', env: {}, maxAttempts: 1 });
  readers.push(reader);
  return reader;
}

function instancesOf(output: DescribeInstancesResult): Instance[] {
  return (output.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

describe('DescribeInstances through @aws-sdk/client-ec2', () => {
  it("answers a seeded instance's address on its primary interface, running, in its zone", async () => {
    const { emulator, ec2 } = await setUp();
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_2, WEB_1] }));
    const instances = instancesOf(out);
    expect(instances.map((i) => i.InstanceId)).toEqual([WEB_2, WEB_1]);
    const web2 = instances[0]!;
    expect(web2.State).toEqual({ Code: 16, Name: 'running' });
    expect(web2.PrivateIpAddress).toBe('10.0.2.6');
    expect(web2.PrivateDnsName).toBe('ip-10-0-2-6.ec2.internal');
    expect(web2.Placement?.AvailabilityZone).toBe('us-east-1b');
    expect(web2.NetworkInterfaces).toHaveLength(1);
    expect(web2.NetworkInterfaces![0]).toMatchObject({
      PrivateIpAddress: '10.0.2.6',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.2.6', Primary: true, PrivateDnsName: 'ip-10-0-2-6.ec2.internal' }],
      Ipv6Addresses: [],
      Attachment: { DeviceIndex: 0, Status: 'attached' },
    });
    expect(out.Reservations![0]!.OwnerId).toBe('123456789012');
    expect(emulator.requestLog.map((e) => `${e.service} ${e.action} ${e.status}`)).toEqual(['ec2 DescribeInstances 200']);
    expect(emulator.requestLog[0]!.params).toMatchObject({ 'InstanceId.1': WEB_2, 'InstanceId.2': WEB_1 });
  });

  it('gives an instance seeded without an address no addresses, and drainctl reads each through its reader', async () => {
    const { emulator, ec2 } = await setUp();
    const [web3] = instancesOf(await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_3] })));
    expect(web3!.PrivateIpAddress).toBeUndefined();
    expect(web3!.NetworkInterfaces).toEqual([]);
    const reader = await readerFor(emulator);
    expect(await reader.read(WEB_1, standaloneCall())).toEqual(['10.0.1.5']);
    expect(await reader.read(WEB_3, standaloneCall())).toEqual([]);
  });

  it('lists every known instance when no ids are given, launched ones included', async () => {
    const { emulator, ec2 } = await setUp();
    await emulator.launch('batch', { id: LAUNCHED, privateIp: '10.0.3.7' });
    const all = instancesOf(await ec2.send(new DescribeInstancesCommand({})));
    expect(all.map((i) => i.InstanceId)).toEqual([WEB_1, WEB_2, WEB_3, 'i-0b000000000000001', LAUNCHED]);
    expect(all.at(-1)!.PrivateIpAddress).toBe('10.0.3.7');
  });

  it('refuses an unknown id with InvalidInstanceID.NotFound (HTTP 400), which the reader reads as no addresses', async () => {
    const { emulator, ec2 } = await setUp();
    const error = await rejectionOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1, UNKNOWN] })));
    expect(error.name).toBe('InvalidInstanceID.NotFound');
    expect(error.message).toBe(`The instance ID '${UNKNOWN}' does not exist`);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(emulator.requestLog.at(-1)).toMatchObject({ service: 'ec2', action: 'DescribeInstances', status: 400, errorCode: 'InvalidInstanceID.NotFound' });
    const reader = await readerFor(emulator);
    expect(await reader.read(UNKNOWN, standaloneCall())).toEqual([]);
    const malformed = await rejectionOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['web-1'] })));
    expect(malformed.name).toBe('InvalidInstanceID.Malformed');
  });

  it('shows an instance terminated (code 48), without addresses, once its scale-in completes', async () => {
    const clock = new FakeClock();
    const { emulator, ec2 } = await setUp({ clock });
    await emulator.scaleIn('web', WEB_1);
    const [waiting] = instancesOf(await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1] })));
    expect(waiting!.State).toEqual({ Code: 16, Name: 'running' });
    await autoScaling(emulator).send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'web', LifecycleHookName: 'drain', InstanceId: WEB_1, LifecycleActionResult: 'CONTINUE' }));
    const [gone] = instancesOf(await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1] })));
    expect(gone!.State).toEqual({ Code: 48, Name: 'terminated' });
    expect(gone!.PrivateIpAddress).toBeUndefined();
    expect(gone!.NetworkInterfaces).toEqual([]);
  });

  it("answers a denied caller with EC2's UnauthorizedOperation (HTTP 403), which the reader turns into the missing permission", async () => {
    const { emulator, ec2 } = await setUp({ faults: { deniedActions: ['DescribeInstances'] } });
    const error = await rejectionOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1] })));
    expect(error.name).toBe('UnauthorizedOperation');
    expect(error.$metadata.httpStatusCode).toBe(403);
    const reader = await readerFor(emulator);
    const refused = (await reader.read(WEB_1, standaloneCall()).catch((e: unknown) => e)) as DrainctlError;
    expect(refused).toBeInstanceOf(DrainctlError);
    expect(refused.message).toContain('needs ec2:DescribeInstances');
  });

  it("throttles only by injected fault, with EC2's RequestLimitExceeded, and never by the ELB buckets", async () => {
    const { ec2 } = await setUp({ throttle: 'aws' });
    // 60 calls at one instant: past the ELB describe and account buckets (40 each).
    for (let n = 0; n < 60; n++) await ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1] }));
    const faulty = await setUp({ throttle: 'off', faults: { throttleRate: 1 } });
    const error = await rejectionOf(faulty.ec2.send(new DescribeInstancesCommand({ InstanceIds: [WEB_1] })));
    expect(error.name).toBe('RequestLimitExceeded');
    expect(error.$metadata.httpStatusCode).toBe(503);
  });
});

describe('DescribeInstances on the wire', () => {
  it("writes EC2's documents: lower-camel members and items under the 2016-11-15 namespace; errors as <Response><Errors>", async () => {
    const { emulator } = await setUp();
    const ok = await postForm(emulator.url, { Action: 'DescribeInstances', Version: '2016-11-15', 'InstanceId.1': WEB_1 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<DescribeInstancesResponse xmlns="http:\/\/ec2\.amazonaws\.com\/doc\/2016-11-15\/">\n {2}<requestId>[0-9a-f-]{36}<\/requestId>\n {2}<reservationSet>\n {4}<item>\n {6}<reservationId>r-[0-9a-f]+<\/reservationId>/);
    expect(ok.body).not.toContain('DescribeInstancesResult');
    expect(ok.body).toContain('<privateIpAddressesSet>\n                <item>\n                  <privateDnsName>ip-10-0-1-5.ec2.internal</privateDnsName>\n                  <privateIpAddress>10.0.1.5</privateIpAddress>\n                  <primary>true</primary>');
    const missing = await postForm(emulator.url, { Action: 'DescribeInstances', Version: '2016-11-15', 'InstanceId.1': UNKNOWN, 'InstanceId.2': 'i-0eeeeeeeeeeeeeeee' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>InvalidInstanceID\.NotFound<\/Code><Message>The instance IDs 'i-0ffffffffffffffff, i-0eeeeeeeeeeeeeeee' do not exist<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    );
  });
});

const haveCli = haveAwsCli();
const aws = awsCli;

describe.skipIf(!haveCli)('AWS CLI against the emulator: ec2 describe-instances', () => {
  it('reads the address and state, and reports an unknown id as EC2 does', async () => {
    const { emulator } = await setUp();
    const described = await aws(emulator, ['ec2', 'describe-instances', '--instance-ids', WEB_1]);
    expect(described.stderr).toBe('');
    const instance = JSON.parse(described.stdout).Reservations[0].Instances[0];
    expect(instance).toMatchObject({ InstanceId: WEB_1, PrivateIpAddress: '10.0.1.5', State: { Code: 16, Name: 'running' } });
    expect(instance.NetworkInterfaces[0].PrivateIpAddresses).toEqual([{ PrivateDnsName: 'ip-10-0-1-5.ec2.internal', PrivateIpAddress: '10.0.1.5', Primary: true }]);

    const unknown = await aws(emulator, ['ec2', 'describe-instances', '--instance-ids', UNKNOWN]);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain(`An error occurred (InvalidInstanceID.NotFound) when calling the DescribeInstances operation: The instance ID '${UNKNOWN}' does not exist`);
  }, 60_000);
});
