import { DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { type AwsSeed } from '../../../src/emulators/aws/index.js';
import { emulatorHarness, postForm, rejectionOf } from './helpers.js';

const seed: AwsSeed = {
  targetGroups: [{ name: 'web', port: 80 }],
  classicLoadBalancers: [{ name: 'legacy-web' }],
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const h = emulatorHarness();

describe('awsQuery wire protocol', () => {
  it('answers in the <Action>Response envelope with the request id in header and body', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const res = await postForm(emulator.url, { Action: 'DescribeTargetHealth', Version: '2015-12-01', TargetGroupArn: emulator.targetGroupArn('web') });
    const requestId = res.headers.get('x-amzn-requestid') ?? '';
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml');
    expect(requestId).toMatch(UUID);
    expect(res.body).toBe(
      '<DescribeTargetHealthResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">\n' +
        '  <DescribeTargetHealthResult>\n' +
        '    <TargetHealthDescriptions/>\n' +
        '  </DescribeTargetHealthResult>\n' +
        '  <ResponseMetadata>\n' +
        `    <RequestId>${requestId}</RequestId>\n` +
        '  </ResponseMetadata>\n' +
        '</DescribeTargetHealthResponse>\n',
    );
  });

  it('uses the Classic namespace for Version 2012-06-01', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const res = await postForm(emulator.url, { Action: 'DescribeLoadBalancers', Version: '2012-06-01' });
    expect(res.status).toBe(200);
    expect(res.body.startsWith('<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/">\n')).toBe(true);
    expect(res.body).toContain('<LoadBalancerName>legacy-web</LoadBalancerName>');
  });

  it('gives the SDK the request id from the x-amzn-RequestId header', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const out = await h.elbv2(emulator).send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }));
    expect(out.$metadata.requestId).toMatch(UUID);
    expect(out.TargetHealthDescriptions).toEqual([]);
  });

  it('answers InvalidAction for an action the API does not have', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const res = await postForm(emulator.url, { Action: 'DescribeEverything', Version: '2015-12-01' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-requestid')).toMatch(UUID);
    expect(res.body).toContain('<Type>Sender</Type>');
    expect(res.body).toContain('<Code>InvalidAction</Code>');
    expect(emulator.requestLog.at(-1)).toMatchObject({ service: 'elbv2', action: 'DescribeEverything', status: 400, errorCode: 'InvalidAction' });
    const inherited = await postForm(emulator.url, { Action: 'toString', Version: '2015-12-01' });
    expect(inherited.status).toBe(400);
    expect(inherited.body).toContain('<Code>InvalidAction</Code>');
  });

  it('answers NoSuchVersion for a Version that is neither ELB API', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const res = await postForm(emulator.url, { Action: 'DescribeTargetHealth', Version: '2010-01-01' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>NoSuchVersion</Code>');
    expect(emulator.requestLog.at(-1)).toMatchObject({ service: 'unknown', errorCode: 'NoSuchVersion' });
  });

  it('answers ValidationError for a missing required parameter', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const res = await postForm(emulator.url, { Action: 'DescribeTargetHealth', Version: '2015-12-01' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>ValidationError</Code>');
    expect(res.body).toContain("Value null at 'targetGroupArn'");
    // The SDK does not check required members itself, so a caller's bug reaches the emulator.
    const err = await rejectionOf(
      h.elbv2(emulator).send(new RegisterTargetsCommand({ TargetGroupArn: emulator.targetGroupArn('web') } as unknown as ConstructorParameters<typeof RegisterTargetsCommand>[0])),
    );
    expect(err.name).toBe('ValidationError');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('accepts GET with the query in the URL and keeps presigning parameters out of the log', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    const query = new URLSearchParams({
      Action: 'DescribeTargetGroups',
      Version: '2015-12-01',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260101/us-east-1/elasticloadbalancing/aws4_request',
      'X-Amz-Signature': 'deadbeef',
    });
    const res = await fetch(`${emulator.url}/?${query}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<TargetGroupName>web</TargetGroupName>');
    expect(emulator.requestLog.at(-1)?.params).toEqual({ Action: 'DescribeTargetGroups', Version: '2015-12-01' });
  });

  it('records nothing from the signed headers of an SDK request', async () => {
    const emulator = await h.start({ seed, throttle: 'off' });
    await h.elbv2(emulator).send(new DescribeTargetHealthCommand({ TargetGroupArn: emulator.targetGroupArn('web') }));
    const logged = JSON.stringify(emulator.requestLog);
    expect(logged).not.toMatch(/AKIDEXAMPLE|Signature|Authorization|Credential/i);
  });
});
