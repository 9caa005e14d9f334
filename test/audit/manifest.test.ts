import { describe, expect, it } from 'vitest';
import { podTimersFromYaml, readK8sManifest, sleepSeconds } from '../../src/audit/manifest.js';
import { DrainctlError } from '../../src/core/errors.js';
import { tempDir, tempFile } from '../cli-timeouts/helpers.js';

const DEPLOYMENT = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: app
          image: example/web:1
          lifecycle:
            preStop:
              exec:
                command: ["/bin/sh", "-c", "sleep 15 && kill -TERM 1"]
          readinessProbe:
            httpGet: { path: /ready, port: 8080 }
            periodSeconds: 5
            failureThreshold: 2
        - name: sidecar
          image: envoyproxy/envoy:v1.30
          lifecycle:
            preStop:
              sleep:
                seconds: 20
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec: { ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: api-0 }
spec:
  containers:
    - name: api
      image: example/api:1
      lifecycle:
        preStop:
          httpGet: { path: /drain, port: 8080 }
      readinessProbe:
        tcpSocket: { port: 8080 }
`;

describe('reading Kubernetes manifests', () => {
  it('reads every workload of a multi-document file, with Kubernetes defaults', () => {
    const pods = podTimersFromYaml(DEPLOYMENT, 'deploy.yaml');
    expect(pods).toEqual([
      {
        name: 'Deployment/web',
        terminationGracePeriodSeconds: 60,
        graceDefaulted: false,
        containers: [
          { name: 'app', preStop: 'exec-sleep', preStopSeconds: 15, readiness: { periodSeconds: 5, failureThreshold: 2 }, readinessDetectionSeconds: 10 },
          { name: 'sidecar', preStop: 'sleep', preStopSeconds: 20, readiness: undefined, readinessDetectionSeconds: undefined },
        ],
      },
      {
        name: 'Pod/api-0',
        terminationGracePeriodSeconds: 30,
        graceDefaulted: true,
        containers: [{ name: 'api', preStop: 'httpGet', preStopSeconds: undefined, readiness: { periodSeconds: 10, failureThreshold: 3 }, readinessDetectionSeconds: 30 }],
      },
    ]);
  });

  it('reads StatefulSets, CronJobs and List objects (kubectl get -o yaml)', () => {
    const list = `
apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: { name: db }
    spec: { template: { spec: { containers: [{ name: db, image: postgres }] } } }
  - apiVersion: batch/v1
    kind: CronJob
    metadata: { name: nightly }
    spec: { jobTemplate: { spec: { template: { spec: { terminationGracePeriodSeconds: 5, containers: [{ name: job, image: x }] } } } } }
`;
    expect(podTimersFromYaml(list, 'list.yaml').map((p) => [p.name, p.terminationGracePeriodSeconds, p.containers[0]!.preStop])).toEqual([
      ['StatefulSet/db', 30, 'none'],
      ['CronJob/nightly', 5, 'none'],
    ]);
  });

  it.each([
    [['sleep', '15'], 15],
    [['/bin/sleep', '2m'], 120],
    [['/bin/sh', '-c', 'sleep 5; nginx -s quit; sleep 10'], 15],
    [['bash', '-c', 'echo draining > /tmp/drain && sleep 25'], 25],
    [['sh', '-c', 'nginx -s quit'], undefined],
    [['/app/drain.sh'], undefined],
    [['sh', '-c', 'sleepy 5'], undefined],
  ])('exec preStop %j sleeps %s s', (command, seconds) => {
    expect(sleepSeconds(command)).toBe(seconds);
  });

  it('reads a file from disk', async () => {
    const path = tempFile('deploy.yaml', DEPLOYMENT);
    // The same workloads, read from disk, as from the text.
    expect(await readK8sManifest(path)).toEqual(podTimersFromYaml(DEPLOYMENT, path));
  });

  it.each([
    ['not a Kubernetes object', 'just: a map\n', 'is not a Kubernetes object'],
    ['a list at the top', '- a\n- b\n', 'is not a Kubernetes object'],
    ['no workload', 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\n', 'has no Pod, Deployment, StatefulSet'],
    ['no containers', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: { template: { spec: { containers: [] } } }\n', 'Deployment/web (deploy.yaml document 1) has no containers'],
    ['a Pod without a spec', 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n', 'Pod/p (deploy.yaml document 1) has no containers'],
    ['an empty file', '', 'is empty'],
    ['invalid YAML', 'apiVersion: v1\nkind: [Pod\n', 'is not valid YAML'],
    ['a string grace period', 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { terminationGracePeriodSeconds: "30", containers: [{ name: c }] }\n', 'terminationGracePeriodSeconds must be a non-negative number'],
  ])('%s is a one-line usage error', (_what, yaml, message) => {
    let error: unknown;
    try {
      podTimersFromYaml(yaml, 'deploy.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DrainctlError);
    expect((error as DrainctlError).kind).toBe('usage');
    expect((error as DrainctlError).message).toContain(message);
    expect((error as DrainctlError).message).not.toContain('\n');
  });

  it('a manifest that does not exist, or a directory, is a usage error naming the path', async () => {
    await expect(readK8sManifest('/nonexistent/deploy.yaml')).rejects.toThrow('manifest not found: /nonexistent/deploy.yaml');
    const dir = tempDir();
    await expect(readK8sManifest(dir)).rejects.toThrow(`${dir} is a directory`);
  });
});
