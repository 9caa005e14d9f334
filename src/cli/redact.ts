import type { InstanceUpdate, Ledger } from '../core/ledger.js';

/**
 * Last line of defence against printing or recording a credential: every byte drainctl writes, and
 * every ledger row, goes through this. It masks the value of any secret-looking environment
 * variable, every credential value a provider resolved (from a profile file, SSO, a role: whatever
 * the source, registered through `add`), and the values of Authorization and X-Amz-Security-Token
 * headers wherever they appear in text (an endpoint that echoes request headers in its error).
 * (The first line is never formatting headers, tokens or config into messages at all.)
 */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|CLIENT_CERTIFICATE)/i;
/** Variables that name where a secret is kept (AWS_SHARED_CREDENTIALS_FILE), not the secret: masking them hides paths from messages. */
const PATH_NAME = /_(FILE|PATH)$/i;

/** Shorter values are not masked: they would blank out ordinary words and numbers. */
const MIN_SECRET_LENGTH = 6;

/**
 * A header name followed by its separator (`: `, `=`, `":"`, `\":\"` inside JSON text, `>` in XML),
 * then the value up to the next quote, backslash, tag, query separator or line end. No word boundary
 * before the name: inside JSON text a header line starts right after the two characters `\n`.
 */
const SECRET_HEADER = /(authorization|x-amz-security-token)((?:\\?["'])?\s*[:=>]\s*(?:\\?["'])?)([^"'\\<&\r\n]+)/gi;

const MASK = '***';

/** Masks secrets in text; `add` registers one more value to mask from now on. */
export interface Redactor {
  (text: string): string;
  /** Registers a credential value (and its URL- and JSON-escaped forms) to be masked in everything written after. */
  add(value: string): void;
}

/** A redactor that knows the secret-looking variables of `env` and masks secret headers. */
export function createRedactor(env: NodeJS.ProcessEnv = process.env): Redactor {
  const secrets = new Set<string>();
  let ordered: string[] = [];
  const add = (value: string): void => {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const before = secrets.size;
    for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) secrets.add(form);
    // Longest first, so a secret that contains another is masked whole.
    if (secrets.size !== before) ordered = [...secrets].sort((a, b) => b.length - a.length);
  };
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name) && !PATH_NAME.test(name) && typeof value === 'string') add(value);
  const redact = (text: string): string => {
    let out = text;
    for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out.replace(SECRET_HEADER, (_match, name: string, separator: string) => `${name}${separator}${MASK}`);
  };
  return Object.assign(redact, { add });
}

/** Every string inside arrays and plain objects, redacted; other values (numbers, dates) unchanged. */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The ledger with every string it is given to record redacted first: an error message can carry what an endpoint echoed. */
export function redactingLedger(ledger: Ledger, redact: (text: string) => string): Ledger {
  return {
    location: ledger.location,
    shared: ledger.shared,
    record: (key, update, event) =>
      ledger.record(key, redactDeep<InstanceUpdate>(update, redact), { ...event, ...(event.details && { details: redactDeep(event.details, redact) }) }),
    find: (key) => ledger.find(key),
    instances: (query) => ledger.instances(query),
    history: (query) => ledger.history(query),
    fleet: () => ledger.fleet(),
    tryLockGroup: (group, holder, options) => ledger.tryLockGroup(group, holder, options),
    renewLeases: (runner, until) => ledger.renewLeases(runner, until),
    close: () => ledger.close(),
  };
}
