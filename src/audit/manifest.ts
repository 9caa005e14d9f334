import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { usageError } from '../core/errors.js';

/**
 * The shutdown timers of Kubernetes workloads, read from their manifests: per pod the grace
 * period, per container the preStop hook's duration and the readiness probe's detection time.
 */

/** Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_SECONDS = 30;
/** Kubernetes' probe defaults. */
export const DEFAULT_PROBE_PERIOD_SECONDS = 10;
export const DEFAULT_PROBE_FAILURE_THRESHOLD = 3;

export interface ContainerTimers {
  readonly name: string;
  /** How the preStop hook delays SIGTERM: none, the native sleep action, an exec'd sleep, or something else. */
  readonly preStop: 'none' | 'sleep' | 'exec-sleep' | 'exec' | 'httpGet' | 'tcpSocket';
  /** Seconds the hook delays SIGTERM; undefined when it cannot be known from the manifest. */
  readonly preStopSeconds: number | undefined;
  /** readinessProbe periodSeconds × failureThreshold; undefined without a readiness probe. */
  readonly readinessDetectionSeconds: number | undefined;
  readonly readiness: { readonly periodSeconds: number; readonly failureThreshold: number } | undefined;
}

export interface PodTimers {
  /** `Deployment/web`, `Pod/api-0`. */
  readonly name: string;
  readonly terminationGracePeriodSeconds: number;
  /** True when the manifest leaves it out and the Kubernetes default applies. */
  readonly graceDefaulted: boolean;
  readonly containers: readonly ContainerTimers[];
}

/** Workload kinds whose pod template is at spec.template.spec. */
const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/** Reads every workload of a YAML file (several documents, and List objects, allowed). */
export async function readK8sManifest(path: string): Promise<PodTimers[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw usageError(`manifest not found: ${path}`, 'check the path given to --k8s');
    if (code === 'EISDIR') throw usageError(`${path} is a directory, not a manifest`);
    throw usageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return podTimersFromYaml(text, path);
}

/** The workloads of a YAML text; `label` names it in messages. */
export function podTimersFromYaml(text: string, label: string): PodTimers[] {
  const pods: PodTimers[] = [];
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  let objects = 0;
  list.forEach((doc, index) => {
    const error = doc.errors[0];
    if (error) throw usageError(`${label} is not valid YAML (document ${index + 1}): ${error.message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    objects += 1;
    collect(value, `${label} document ${index + 1}`, pods);
  });
  if (pods.length === 0) {
    throw usageError(
      objects === 0 ? `${label} is empty: no Kubernetes object in it` : `${label} has no Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet or Job`,
      'point --k8s at the workload manifest (kubectl get deploy web -o yaml > web.yaml)',
    );
  }
  return pods;
}

function collect(value: unknown, where: string, pods: PodTimers[]): void {
  const object = asObject(value);
  const kind = object?.kind;
  if (!object || typeof kind !== 'string' || typeof object.apiVersion !== 'string') {
    throw usageError(`${where} is not a Kubernetes object: it has no kind and apiVersion`, 'give a Deployment, StatefulSet or Pod manifest');
  }
  if (kind === 'List' || kind.endsWith('List')) {
    const items = object.items;
    if (!Array.isArray(items)) throw usageError(`${where} is a ${kind} without items`);
    items.forEach((item, i) => collect(item, `${where} item ${i + 1}`, pods));
    return;
  }
  const name = `${kind}/${String(asObject(object.metadata)?.name ?? '(unnamed)')}`;
  let spec: Record<string, unknown> | undefined;
  if (kind === 'Pod') spec = asObject(object.spec);
  else if (TEMPLATED.has(kind)) spec = asObject(asObject(asObject(object.spec)?.template)?.spec);
  else if (kind === 'CronJob') spec = asObject(asObject(asObject(asObject(asObject(object.spec)?.jobTemplate)?.spec)?.template)?.spec);
  else return; // Services, ConfigMaps… carry no shutdown timers.
  pods.push(podTimers(name, spec, where));
}

function podTimers(name: string, spec: Record<string, unknown> | undefined, where: string): PodTimers {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) throw usageError(`${name} (${where}) has no containers`, 'audit the manifest of a workload with at least one container');
  const grace = spec?.terminationGracePeriodSeconds;
  return {
    name,
    terminationGracePeriodSeconds: grace === undefined || grace === null ? DEFAULT_GRACE_SECONDS : seconds(grace, `${name} terminationGracePeriodSeconds`),
    graceDefaulted: grace === undefined || grace === null,
    containers: containers.map((c, i) => containerTimers(asObject(c), `${name} container ${i + 1}`)),
  };
}

function containerTimers(container: Record<string, unknown> | undefined, where: string): ContainerTimers {
  if (!container) throw usageError(`${where} is not an object`);
  const name = typeof container.name === 'string' ? container.name : where;
  const preStop = asObject(asObject(container.lifecycle)?.preStop);
  const probe = asObject(container.readinessProbe);
  const readiness = probe
    ? {
        periodSeconds: probe.periodSeconds === undefined ? DEFAULT_PROBE_PERIOD_SECONDS : seconds(probe.periodSeconds, `${name} readinessProbe.periodSeconds`),
        failureThreshold: probe.failureThreshold === undefined ? DEFAULT_PROBE_FAILURE_THRESHOLD : seconds(probe.failureThreshold, `${name} readinessProbe.failureThreshold`),
      }
    : undefined;
  return { name, ...preStopTimer(preStop, name), readiness, readinessDetectionSeconds: readiness ? readiness.periodSeconds * readiness.failureThreshold : undefined };
}

function preStopTimer(hook: Record<string, unknown> | undefined, name: string): Pick<ContainerTimers, 'preStop' | 'preStopSeconds'> {
  if (!hook) return { preStop: 'none', preStopSeconds: 0 };
  const sleep = asObject(hook.sleep);
  if (sleep) return { preStop: 'sleep', preStopSeconds: seconds(sleep.seconds, `${name} lifecycle.preStop.sleep.seconds`) };
  const exec = asObject(hook.exec);
  if (exec) {
    const command = Array.isArray(exec.command) ? exec.command.map(String) : [];
    const slept = sleepSeconds(command);
    return slept === undefined ? { preStop: 'exec', preStopSeconds: undefined } : { preStop: 'exec-sleep', preStopSeconds: slept };
  }
  if (hook.httpGet) return { preStop: 'httpGet', preStopSeconds: undefined };
  if (hook.tcpSocket) return { preStop: 'tcpSocket', preStopSeconds: undefined };
  return { preStop: 'none', preStopSeconds: 0 };
}

const SLEEP_UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Seconds an exec preStop sleeps: `["sleep", "15"]`, or every `sleep N` in a shell script
 * (`["/bin/sh", "-c", "sleep 15 && nginx -s quit"]`), summed. Undefined when it runs no sleep.
 */
export function sleepSeconds(command: readonly string[]): number | undefined {
  const program = command[0]?.split('/').pop();
  if (program === 'sleep') return sleepArgument(command[1]);
  if (program && /^(?:ba|da|a|z|k)?sh$/.test(program)) {
    const script = command.slice(command.indexOf('-c') + 1).join(' ');
    const matches = [...script.matchAll(/(?:^|[\s;&|(])sleep\s+(\d+(?:\.\d+)?[smhd]?)(?=$|[\s;&|)])/g)];
    if (matches.length === 0) return undefined;
    return matches.reduce((sum, m) => sum + (sleepArgument(m[1]) ?? 0), 0);
  }
  return undefined;
}

function sleepArgument(text: string | undefined): number | undefined {
  const match = text === undefined ? null : /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text);
  return match ? Number(match[1]) * SLEEP_UNIT[match[2]!]! : undefined;
}

function seconds(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw usageError(`${what} must be a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
