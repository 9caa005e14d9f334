/**
 * A small CloudWatch beside the ELB APIs, on the same endpoint, so drainctl's latency
 * features can be tested with the real SDK client: PutMetricData stores values, and
 * GetMetricStatistics answers Statistics and ExtendedStatistics (pNN) computed from them.
 * Wire protocol: awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.<Action>`), as
 * @aws-sdk/client-cloudwatch 3.1142 speaks it. moto stores metric data but computes no
 * percentiles, which is why this exists.
 */
import { randomUUID } from 'node:crypto';

export const CLOUDWATCH_TARGET_PREFIX = 'GraniteServiceVersion20100801.';

interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

interface Sample {
  readonly key: string;
  readonly at: number; // ms
  readonly value: number;
  readonly count: number;
}

/** What the HTTP layer sends back for a CloudWatch call. */
export interface JsonReply {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
}

class CloudWatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const STATISTICS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const PERCENTILE = /^p(\d{1,2}(\.\d{1,2})?)$/;

function metricKey(namespace: string, name: string, dimensions: readonly Dimension[] = []): string {
  const dims = [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name)).map((d) => `${d.Name}=${d.Value}`);
  return `${namespace}|${name}|${dims.join(',')}`;
}

/** Nearest-rank percentile over weighted values (sorted ascending). */
function percentile(sorted: readonly Sample[], total: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const s of sorted) {
    seen += s.count;
    if (seen >= rank) return s.value;
  }
  return sorted.at(-1)!.value;
}

/** The metric store and its two actions. */
export class CloudWatchMetrics {
  private readonly samples: Sample[] = [];

  /** Answers one request; `action` comes from the X-Amz-Target header. */
  handle(action: string, body: string): JsonReply {
    const requestId = randomUUID();
    try {
      const input = (body.trim() === '' ? {} : JSON.parse(body)) as Record<string, unknown>;
      if (action === 'PutMetricData') return { status: 200, body: JSON.stringify(this.put(input)), requestId };
      if (action === 'GetMetricStatistics') return { status: 200, body: JSON.stringify(this.statistics(input)), requestId };
      throw new CloudWatchError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    } catch (error) {
      const e = error instanceof CloudWatchError ? error : new CloudWatchError('InvalidParameterValue', error instanceof Error ? error.message : String(error));
      return { status: e.status, body: JSON.stringify({ __type: e.code, message: e.message }), requestId };
    }
  }

  private put(input: Record<string, unknown>): Record<string, never> {
    const namespace = String(input.Namespace ?? '');
    if (!namespace) throw new CloudWatchError('MissingParameter', 'The parameter Namespace is required.');
    for (const datum of (input.MetricData ?? []) as Record<string, unknown>[]) {
      const key = metricKey(namespace, String(datum.MetricName), datum.Dimensions as Dimension[]);
      const at = typeof datum.Timestamp === 'number' ? datum.Timestamp * 1000 : Date.now();
      const values = (datum.Values as number[] | undefined) ?? (typeof datum.Value === 'number' ? [datum.Value] : []);
      const counts = (datum.Counts as number[] | undefined) ?? values.map(() => 1);
      values.forEach((value, i) => this.samples.push({ key, at, value, count: counts[i] ?? 1 }));
    }
    return {};
  }

  private statistics(input: Record<string, unknown>): Record<string, unknown> {
    const statistics = (input.Statistics as string[] | undefined) ?? [];
    const extended = (input.ExtendedStatistics as string[] | undefined) ?? [];
    // The API reference: "you must specify either Statistics or ExtendedStatistics, but not both".
    if (statistics.length > 0 && extended.length > 0) throw new CloudWatchError('InvalidParameterCombination', 'Must specify either Statistics or ExtendedStatistics, but not both.');
    if (statistics.length === 0 && extended.length === 0) throw new CloudWatchError('MissingParameter', 'Must specify either Statistics or ExtendedStatistics.');
    for (const s of statistics) if (!STATISTICS.has(s)) throw new CloudWatchError('InvalidParameterValue', `The parameter Statistics contains ${s}, which is not a statistic.`);
    for (const p of extended) if (!PERCENTILE.test(p)) throw new CloudWatchError('InvalidParameterValue', `The parameter ExtendedStatistics contains ${p}, which is not a percentile.`);
    const start = Number(input.StartTime) * 1000;
    const end = Number(input.EndTime) * 1000;
    const periodMs = Number(input.Period) * 1000;
    if (!(periodMs > 0) || !(end > start)) throw new CloudWatchError('InvalidParameterValue', 'StartTime must be before EndTime, and Period positive.');
    const key = metricKey(String(input.Namespace), String(input.MetricName), input.Dimensions as Dimension[]);
    const buckets = new Map<number, Sample[]>();
    for (const s of this.samples) {
      if (s.key !== key || s.at < start || s.at >= end) continue;
      const bucket = start + Math.floor((s.at - start) / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), s]);
    }
    const datapoints = [...buckets].map(([bucket, samples]) => {
      const sorted = [...samples].sort((a, b) => a.value - b.value);
      const total = sorted.reduce((n, s) => n + s.count, 0);
      const sum = sorted.reduce((n, s) => n + s.value * s.count, 0);
      const all: Record<string, number> = { SampleCount: total, Sum: sum, Average: sum / total, Minimum: sorted[0]!.value, Maximum: sorted.at(-1)!.value };
      const point: Record<string, unknown> = { Timestamp: bucket / 1000 };
      for (const s of statistics) point[s] = all[s];
      if (extended.length > 0) point.ExtendedStatistics = Object.fromEntries(extended.map((p) => [p, percentile(sorted, total, Number(p.slice(1)))]));
      return point;
    });
    return { Label: String(input.MetricName), Datapoints: datapoints };
  }
}
