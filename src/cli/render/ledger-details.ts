import { formatDuration } from '../../core/duration.js';

/**
 * A ledger event's details as words for the `history` table ("drain timeout 300s; provider said
 * healthy", "from draining to absent"), never a JSON blob. Keys drainctl writes are phrased one by
 * one; any other key still reads as words ("some key: value").
 */
export function describeDetails(type: string, details: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const rest = { ...details };
  const take = (key: string): unknown => {
    const value = rest[key];
    delete rest[key];
    return value;
  };
  if ('from' in rest || 'to' in rest) {
    const unit = type === 'timeout_changed' ? seconds : String;
    parts.push(`from ${orNone(take('from'), unit)} to ${orNone(take('to'), unit)}`);
  }
  if ('drainTimeoutSeconds' in rest) parts.push(orNone(take('drainTimeoutSeconds'), (v) => `drain timeout ${seconds(v)}`, 'no drain timeout'));
  if ('waitingFor' in rest) parts.push(`waiting for ${words(take('waitingFor'))}`);
  const still = 'state' in rest ? `still ${words(take('state'))}` : '';
  const after = 'elapsedMs' in rest ? `after ${duration(take('elapsedMs'))}` : '';
  parts.push([still, after].filter((p) => p !== '').join(' '));
  if ('cut' in rest) parts.push(cutSessions(take('cut')));
  if ('message' in rest) parts.push(words(take('message')));
  if ('changed' in rest) parts.push(take('changed') ? 'the change was made' : 'nothing was changed');
  if ('alreadyInService' in rest) parts.push(take('alreadyInService') ? 'already in service' : 'was out of service');
  if ('waited' in rest) parts.push(take('waited') ? 'waited for health' : 'did not wait for health');
  if ('registration' in rest) parts.push(orNone(take('registration'), (v) => `registration ${pairs(v)}`, 'no recorded registration'));
  if ('raw' in rest) parts.push(providerSaid(take('raw')));
  if ('by' in rest) parts.push(`seen by ${words(take('by'))}`);
  for (const [key, value] of Object.entries(rest)) parts.push(`${keyWords(key)} ${pairs(value)}`);
  return parts.filter((p) => p !== '').join('; ') || '-';
}

/** The provider's own words, as the status table's PROVIDER SAYS column puts them. */
function providerSaid(raw: unknown): string {
  if (raw === null || typeof raw !== 'object') return raw === undefined || raw === null ? '' : `provider said ${words(raw)}`;
  const { state, reason } = raw as Record<string, unknown>;
  const said = [state, reason].filter((v) => v !== undefined && v !== null && v !== '').map(words).join(', ');
  return said === '' ? '' : `provider said ${said}`;
}

function cutSessions(cut: unknown): string {
  return typeof cut === 'number' ? `cut ${cut} open session${cut === 1 ? '' : 's'}` : `cut ${words(cut)}`;
}

function orNone(value: unknown, format: (v: unknown) => string, none = 'none'): string {
  return value === null || value === undefined ? none : format(value);
}

function seconds(value: unknown): string {
  return typeof value === 'number' ? `${value}s` : words(value);
}

function duration(value: unknown): string {
  return typeof value === 'number' ? formatDuration(value) : words(value);
}

/** Nested values as `key value` pairs: `port 8080, availability zone us-east-1a`. */
function pairs(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (Array.isArray(value)) return value.map(pairs).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${keyWords(k)} ${pairs(v)}`).join(', ');
  return words(value);
}

function words(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return pairs(value);
  return String(value);
}

/** `availabilityZone` -> `availability zone`; `drain_timeout` -> `drain timeout`. */
function keyWords(key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}
