/**
 * The EC2 address reader through the real SDK: against moto (an independent AWS implementation)
 * for an instance's addresses and an unknown instance, and against a small local server that
 * answers in EC2's own wire format for the refusal moto does not give (UnauthorizedOperation).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { standaloneCall } from '../../../src/core/call.js';
import { DrainctlError } from '../../../src/core/errors.js';
import { createAddressReader, type InstanceAddressSource } from '../../../src/providers/aws-asg/addresses.js';
import { type MotoServer, motoAvailable, queryCall, requireTool, startMoto, xmlValue, xmlValues } from '../../support/moto.js';

const EC2_VERSION = '2016-11-15';
const haveMoto = requireTool('moto (python3 -m moto.server)', motoAvailable());

const readers: InstanceAddressSource[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function readerAt(url: string): Promise<InstanceAddressSource> {
  const reader = await createAddressReader({ endpointUrl: url, region: 'us-east-1', env: {}, maxAttempts: 1 });
  readers.push(reader);
  return reader;
}

describe.runIf(haveMoto)('createAddressReader against moto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 30_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('reads the primary private address first, then the secondary ones moto assigned', async () => {
    // ami-12c6146b is one of the images moto ships in its default image list.
    const run = await queryCall(moto.url, 'ec2', EC2_VERSION, 'RunInstances', { ImageId: 'ami-12c6146b', MinCount: '1', MaxCount: '1', InstanceType: 't3.micro' });
    const instanceId = xmlValue(run, 'instanceId');
    const primary = xmlValue(run, 'privateIpAddress');
    const nic = xmlValue(run, 'networkInterfaceId');
    await queryCall(moto.url, 'ec2', EC2_VERSION, 'AssignPrivateIpAddresses', { NetworkInterfaceId: nic, SecondaryPrivateIpAddressCount: '2' });
    const described = await queryCall(moto.url, 'ec2', EC2_VERSION, 'DescribeInstances', { 'InstanceId.1': instanceId });
    const secondaries = [...new Set(xmlValues(described, 'privateIpAddress'))].filter((a) => a !== primary);
    expect(secondaries).toHaveLength(2);

    const reader = await readerAt(moto.url);
    const addresses = await reader.read(instanceId, standaloneCall());
    expect(addresses[0]).toBe(primary);
    expect([...addresses].sort()).toEqual([primary, ...secondaries].sort());
  }, 30_000);

  it('answers [] for an instance EC2 does not know (InvalidInstanceID.NotFound)', async () => {
    const reader = await readerAt(moto.url);
    expect(await reader.read('i-0123456789abcdef0', standaloneCall())).toEqual([]);
  }, 30_000);
});

/** An EC2 error document as EC2 sends it (the "ec2" protocol: <Response><Errors>…, no namespace). */
function ec2ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>5d2c6b1e-0000-4000-8000-000000000001</RequestID></Response>`;
}

/** A local endpoint that answers every request with one fixed reply, keeping each request's form parameters. */
async function fixedServer(status: number, body: string): Promise<{ url: string; requests: Record<string, string>[] }> {
  const requests: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())));
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

describe('createAddressReader against EC2 refusals', () => {
  it('names the missing ec2:DescribeInstances permission when EC2 answers UnauthorizedOperation', async () => {
    const denied = ec2ErrorXml('UnauthorizedOperation', 'You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/hook/i-1 is not authorized to perform: ec2:DescribeInstances');
    const server = await fixedServer(403, denied);
    const reader = await readerAt(server.url);
    const error = await reader.read('i-0a1b2c3d4e5f60001', standaloneCall()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DrainctlError);
    expect((error as DrainctlError).kind).toBe('provider');
    expect((error as DrainctlError).message).toMatch(/needs ec2:DescribeInstances .* cannot match it in ip target groups without it/);
    expect((error as DrainctlError).details.awsError).toBe('UnauthorizedOperation');
    expect(server.requests).toEqual([expect.objectContaining({ Action: 'DescribeInstances', Version: EC2_VERSION, 'InstanceId.1': 'i-0a1b2c3d4e5f60001' })]);
  });

  it('passes other EC2 errors through the shared AWS error mapping', async () => {
    const server = await fixedServer(400, ec2ErrorXml('InvalidInstanceID.Malformed', 'Invalid id: "i-bad"'));
    const reader = await readerAt(server.url);
    const error = (await reader.read('i-bad', standaloneCall()).catch((e: unknown) => e)) as DrainctlError;
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error.message).toBe('describe EC2 instance i-bad: InvalidInstanceID.Malformed: Invalid id: "i-bad"');
  });

  it('stops when the call is aborted', async () => {
    const server = createServer(() => {}); // never answers
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const reader = await readerAt(`http://127.0.0.1:${port}`);
    const controller = new AbortController();
    const reading = reader.read('i-0a1b2c3d4e5f60001', standaloneCall({ signal: controller.signal })).catch((e: unknown) => e);
    setTimeout(() => controller.abort('stop'), 50);
    const error = (await reading) as DrainctlError;
    expect(error).toBeInstanceOf(DrainctlError);
    expect(error.kind).toBe('interrupted');
    server.closeAllConnections();
  });
});
