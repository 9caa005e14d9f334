/**
 * Every element the emulator writes in an Auto Scaling response is a member of the output shape in
 * botocore's model (aws-models/ in the shared reference beside the checkout), every required member is there, and enum values are
 * the model's. A small walker over the raw XML, so nothing an SDK forgives slips by.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../../support/moto.js';
import { REPO_ROOT } from '../../support/cli.js';
import { FakeClock, emulatorHarness, postForm } from './helpers.js';
import { WEB_1, asgSeed } from './autoscaling-fixtures.js';

// The botocore model is not vendored in the repository; AWS_MODELS_DIR points at a copy of botocore/data's files.
const MODEL_PATH = join(process.env.AWS_MODELS_DIR ?? join(REPO_ROOT, '..', 'shared', 'aws-models'), 'autoscaling-service-2.json');
const haveModel = requireTool(`the botocore Auto Scaling model (${MODEL_PATH})`, existsSync(MODEL_PATH));

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  required?: string[];
  enum?: string[];
}
interface Model {
  metadata: { xmlNamespace: string };
  operations: Record<string, { output?: { shape: string; resultWrapper: string } }>;
  shapes: Record<string, Shape>;
}

interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

/** Parses the emulator's own XML (no attributes beyond xmlns, no CDATA, no comments). */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', text: '', children: [] };
  const stack = [root];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w.:-]*)[^>]*?(\/?)>|([^<]+)/g)) {
    const top = stack.at(-1)!;
    if (m[4] !== undefined) top.text += m[4].trim();
    else if (m[1]) stack.pop();
    else {
      const node: XmlElement = { name: m[2]!, text: '', children: [] };
      top.children.push(node);
      if (!m[3]) stack.push(node);
    }
  }
  return root.children[0]!;
}

/** Problems with `node` against `shapeName`, as paths. */
function check(model: Model, node: XmlElement, shapeName: string, path: string): string[] {
  const shape = model.shapes[shapeName]!;
  if (shape.type === 'structure') {
    const problems: string[] = [];
    for (const child of node.children) {
      const member = shape.members?.[child.name];
      if (!member) problems.push(`${path}.${child.name} is not a member of ${shapeName}`);
      else problems.push(...check(model, child, member.shape, `${path}.${child.name}`));
    }
    for (const required of shape.required ?? []) {
      if (!node.children.some((c) => c.name === required)) problems.push(`${path}.${required} is required by ${shapeName}`);
    }
    return problems;
  }
  if (shape.type === 'list') {
    return node.children.flatMap((c, i) => (c.name === 'member' ? check(model, c, shape.member!.shape, `${path}[${i}]`) : [`${path}.${c.name} should be <member>`]));
  }
  if (node.children.length > 0) return [`${path} is a ${shape.type} but has children`];
  if (shape.enum && !shape.enum.includes(node.text)) return [`${path} "${node.text}" is not in ${shapeName}'s enum`];
  if (shape.type === 'integer' && !/^-?\d+$/.test(node.text)) return [`${path} "${node.text}" is not an integer`];
  if (shape.type === 'boolean' && !/^(true|false)$/.test(node.text)) return [`${path} "${node.text}" is not a boolean`];
  if (shape.type === 'timestamp' && Number.isNaN(Date.parse(node.text))) return [`${path} "${node.text}" is not a timestamp`];
  return [];
}

/** Problems with a whole response document for `action`. */
function modelProblems(model: Model, action: string, xml: string): string[] {
  const op = model.operations[action]!;
  const doc = parseXml(xml);
  if (doc.name !== `${action}Response`) return [`root is <${doc.name}>`];
  const result = doc.children.find((c) => c.name === op.output!.resultWrapper);
  if (!result) return [`no <${op.output!.resultWrapper}>`];
  return check(model, result, op.output!.shape, action);
}

const model = (haveModel ? JSON.parse(readFileSync(MODEL_PATH, 'utf8')) : undefined) as Model;
const h = emulatorHarness();

describe.skipIf(!haveModel)('Auto Scaling responses against the botocore model', () => {
  it('the walker catches a member the model does not have, a missing required member and a bad enum value', () => {
    const bad =
      '<DescribeAutoScalingInstancesResponse><DescribeAutoScalingInstancesResult><AutoScalingInstances><member>' +
      '<InstanceId>i-1</InstanceId><Zone>x</Zone></member></AutoScalingInstances></DescribeAutoScalingInstancesResult></DescribeAutoScalingInstancesResponse>';
    expect(modelProblems(model, 'DescribeAutoScalingInstances', bad)).toEqual([
      'DescribeAutoScalingInstances.AutoScalingInstances[0].Zone is not a member of AutoScalingInstanceDetails',
      'DescribeAutoScalingInstances.AutoScalingInstances[0].AutoScalingGroupName is required by AutoScalingInstanceDetails',
      'DescribeAutoScalingInstances.AutoScalingInstances[0].AvailabilityZone is required by AutoScalingInstanceDetails',
      'DescribeAutoScalingInstances.AutoScalingInstances[0].LifecycleState is required by AutoScalingInstanceDetails',
      'DescribeAutoScalingInstances.AutoScalingInstances[0].HealthStatus is required by AutoScalingInstanceDetails',
      'DescribeAutoScalingInstances.AutoScalingInstances[0].ProtectedFromScaleIn is required by AutoScalingInstanceDetails',
    ]);
    const badEnum = '<DescribeAutoScalingGroupsResponse><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><Instances><member><LifecycleState>Waiting</LifecycleState></member></Instances></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>';
    expect(modelProblems(model, 'DescribeAutoScalingGroups', badEnum)).toContain('DescribeAutoScalingGroups.AutoScalingGroups[0].Instances[0].LifecycleState "Waiting" is not in LifecycleState\'s enum');
  });

  it('every action answers with members of its output shape, in the model namespace', async () => {
    const emulator = await h.start({ seed: asgSeed({ notificationQueueUrl: 'http://127.0.0.1:9/123456789012/unused' }), clock: new FakeClock() });
    await emulator.scaleIn('web', WEB_1); // so a Terminating:Wait instance is in the answers (the notification fails: nothing listens on port 9)
    const group = { AutoScalingGroupName: 'web' };
    const calls: [string, Record<string, string>][] = [
      ['DescribeAutoScalingGroups', { MaxRecords: '1' }],
      ['DescribeAutoScalingGroups', {}],
      ['DescribeAutoScalingInstances', { MaxRecords: '2' }],
      ['DescribeLifecycleHooks', group],
      ['DescribeTrafficSources', { ...group, MaxRecords: '1' }],
      ['DescribeLoadBalancerTargetGroups', group],
      ['DescribeLoadBalancers', group],
      ['RecordLifecycleActionHeartbeat', { ...group, LifecycleHookName: 'drain', InstanceId: WEB_1 }],
      ['CompleteLifecycleAction', { ...group, LifecycleHookName: 'drain', InstanceId: WEB_1, LifecycleActionResult: 'CONTINUE' }],
    ];
    for (const [action, params] of calls) {
      const res = await postForm(emulator.url, { Action: action, Version: '2011-01-01', ...params });
      expect(res.status, `${action}: ${res.body}`).toBe(200);
      expect(res.body).toContain(`xmlns="${model.metadata.xmlNamespace}"`);
      expect(modelProblems(model, action, res.body)).toEqual([]);
    }
  });
});
