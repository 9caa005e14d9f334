import { usageError } from '../../core/errors.js';
import type { RefDefaults, RefSyntax } from '../../core/refs.js';

/**
 * Google Cloud references. The project may be left out when --project (or
 * GOOGLE_CLOUD_PROJECT) gives it; the canonical form always carries it.
 *
 *   gcp-ig:[<project>/]<zone>/<instance-group>[/<instance>]          unmanaged instance group member
 *   gcp-neg:[<project>/]<zone>/<neg>[/<ip>[:<port>]]                  zonal NEG endpoint
 *   gcp-bs:[<project>/]<region|global>/<backend-service>[/<backend>]  a backend of a backend service,
 *       where <backend> is ig:<zone|region>:<instance-group> or neg:<zone|region|global>:<neg>
 *
 * A body of three segments is a group (project/zone/name) unless its first segment is a zone
 * (or, for gcp-bs, a region or `global`), in which case it is location/name/target with the
 * default project.
 */

export const PROJECT_PATTERN = /^(?:[a-z][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
export const NAME_PATTERN = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
export const ZONE_PATTERN = /^[a-z]+-[a-z]+[0-9]+-[a-z]$/;
export const REGION_PATTERN = /^[a-z]+-[a-z]+[0-9]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;


/** A zonal group (instance group or NEG) as its parts. */
export interface ZonalGroup {
  readonly project: string;
  readonly zone: string;
  readonly name: string;
}

/** A backend service as its parts; `location` is `global` or a region. */
export interface ServiceGroup {
  readonly project: string;
  readonly location: string;
  readonly name: string;
}

/** A backend of a backend service, as its reference names it. */
export interface BackendTarget {
  readonly kind: 'ig' | 'neg';
  /** A zone, a region, or (for a NEG) `global`. */
  readonly location: string;
  readonly name: string;
}

/** An endpoint of a NEG; `port` undefined means any port on that address. */
export interface EndpointTarget {
  readonly ipAddress: string;
  readonly port: number | undefined;
}

function checkName(name: string, what: string, example: string): void {
  if (!NAME_PATTERN.test(name)) throw usageError(`"${name}" is not a valid ${what} name (a lowercase letter, then up to 62 lowercase letters, digits or hyphens, not ending with a hyphen)`, `example: ${example}`);
}

function checkProject(project: string, example: string): void {
  if (!PROJECT_PATTERN.test(project)) throw usageError(`"${project}" is not a valid project ID (6-30 lowercase letters, digits and hyphens, starting with a letter)`, `example: ${example}`);
}

function requireProject(defaults: RefDefaults, example: string): string {
  const project = defaults.project;
  if (!project) throw usageError('the project is missing: pass --project <id> or set GOOGLE_CLOUD_PROJECT', `or write it into the reference, e.g. ${example}`);
  checkProject(project, example);
  return project;
}

/** Splits `[project/]location/name` and fills the project from the defaults. */
function parseScoped(group: string, defaults: RefDefaults, isLocation: (s: string) => boolean, locationWord: string, noun: string, example: string): [string, string, string] {
  const parts = group.split('/');
  if (parts.some((p) => p === '')) throw usageError(`"${group}" has an empty segment`, `expected [<project>/]<${locationWord}>/<${noun}>, e.g. ${example}`);
  let project: string;
  let location: string;
  let name: string;
  if (parts.length === 3) [project, location, name] = parts as [string, string, string];
  else if (parts.length === 2) {
    [location, name] = parts as [string, string];
    project = requireProject(defaults, example);
  } else {
    throw usageError(`"${group}" is not [<project>/]<${locationWord}>/<${noun}>`, `e.g. ${example}`);
  }
  checkProject(project, example);
  if (!isLocation(location)) throw usageError(`"${location}" is not a ${locationWord} (such as ${locationWord === 'zone' ? 'us-central1-a' : 'global or us-central1'})`, `expected [<project>/]<${locationWord}>/<${noun}>, e.g. ${example}`);
  checkName(name, noun, example);
  return [project, location, name];
}

const isZone = (s: string): boolean => ZONE_PATTERN.test(s);
const isServiceLocation = (s: string): boolean => s === 'global' || REGION_PATTERN.test(s);

/** Three segments are a group unless the first is a location; two are always a group (location/name). */
function wholeGroupBody(body: string, isLocation: (s: string) => boolean): boolean {
  const parts = body.split('/');
  if (parts.length === 2) return true;
  return parts.length === 3 && !isLocation(parts[0]!);
}

/** Parses a canonical (or defaulted) zonal group. */
export function parseZonalGroup(group: string, defaults: RefDefaults = {}, noun = 'instance group', example = 'gcp-ig:my-project/us-central1-a/web-ig'): ZonalGroup {
  const [project, zone, name] = parseScoped(group, defaults, isZone, 'zone', noun, example);
  return { project, zone, name };
}

/** Parses a canonical (or defaulted) backend service group. */
export function parseServiceGroup(group: string, defaults: RefDefaults = {}): ServiceGroup {
  const [project, location, name] = parseScoped(group, defaults, isServiceLocation, 'region-or-global', 'backend service', 'gcp-bs:my-project/global/web-bs');
  return { project, location, name };
}

/** Parses `<ip>[:<port>]`. */
export function parseEndpointTarget(text: string): EndpointTarget {
  const colon = text.lastIndexOf(':');
  const ip = colon < 0 ? text : text.slice(0, colon);
  if (!IPV4.test(ip)) throw usageError(`"${text}" is not an endpoint <ip>:<port>`, 'example: gcp-neg:my-project/us-central1-a/web-neg/10.128.0.21:8080');
  if (colon < 0) return { ipAddress: ip, port: undefined };
  const digits = text.slice(colon + 1);
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`"${text}" has an invalid port "${digits}": expected 1-65535`, 'example: 10.128.0.21:8080');
  return { ipAddress: ip, port };
}

export function formatEndpointTarget(target: EndpointTarget): string {
  return target.port === undefined ? target.ipAddress : `${target.ipAddress}:${target.port}`;
}

/** Parses `ig:<zone|region>:<name>` or `neg:<zone|region|global>:<name>`. */
export function parseBackendTarget(text: string): BackendTarget {
  const parts = text.split(':');
  const hint = 'a backend is ig:<zone>:<instance-group> or neg:<zone>:<neg>, e.g. gcp-bs:my-project/global/web-bs/ig:us-central1-a:web-ig';
  if (parts.length !== 3 || (parts[0] !== 'ig' && parts[0] !== 'neg')) throw usageError(`"${text}" is not a backend (ig:<zone>:<name> or neg:<zone>:<name>)`, hint);
  const [kind, location, name] = parts as ['ig' | 'neg', string, string];
  const locationOk = ZONE_PATTERN.test(location) || REGION_PATTERN.test(location) || (kind === 'neg' && location === 'global');
  if (!locationOk) throw usageError(`"${location}" in "${text}" is not a zone or region`, hint);
  checkName(name, kind === 'ig' ? 'instance group' : 'network endpoint group', 'ig:us-central1-a:web-ig');
  return { kind, location, name };
}

export function formatBackendTarget(target: BackendTarget): string {
  return `${target.kind}:${target.location}:${target.name}`;
}

export const gcpIgSyntax: RefSyntax = {
  provider: 'gcp-ig',
  groupNoun: 'instance group',
  targetNoun: 'instance',
  groupExample: 'gcp-ig:my-project/us-central1-a/web-ig',
  targetExample: 'gcp-ig:my-project/us-central1-a/web-ig/web-1',
  parseGroup(group, defaults) {
    const g = parseZonalGroup(group, defaults);
    return `${g.project}/${g.zone}/${g.name}`;
  },
  parseTarget(target) {
    checkName(target, 'instance', 'gcp-ig:my-project/us-central1-a/web-ig/web-1');
    return target;
  },
  isWholeGroup: (body) => wholeGroupBody(body, isZone),
};

export const gcpNegSyntax: RefSyntax = {
  provider: 'gcp-neg',
  groupNoun: 'network endpoint group',
  targetNoun: 'endpoint',
  groupExample: 'gcp-neg:my-project/us-central1-a/web-neg',
  targetExample: 'gcp-neg:my-project/us-central1-a/web-neg/10.128.0.21:8080',
  parseGroup(group, defaults) {
    const g = parseZonalGroup(group, defaults, 'network endpoint group', 'gcp-neg:my-project/us-central1-a/web-neg');
    return `${g.project}/${g.zone}/${g.name}`;
  },
  parseTarget: (target) => formatEndpointTarget(parseEndpointTarget(target)),
  isWholeGroup: (body) => wholeGroupBody(body, isZone),
  covers(written, concrete) {
    if (written === concrete) return true;
    const w = parseEndpointTarget(written);
    const c = parseEndpointTarget(concrete);
    return w.port === undefined && w.ipAddress === c.ipAddress;
  },
};

export const gcpBsSyntax: RefSyntax = {
  provider: 'gcp-bs',
  groupNoun: 'backend service',
  targetNoun: 'backend',
  groupExample: 'gcp-bs:my-project/global/web-bs',
  targetExample: 'gcp-bs:my-project/global/web-bs/ig:us-central1-a:web-ig',
  parseGroup(group, defaults) {
    const g = parseServiceGroup(group, defaults);
    return `${g.project}/${g.location}/${g.name}`;
  },
  parseTarget: (target) => formatBackendTarget(parseBackendTarget(target)),
  isWholeGroup: (body) => wholeGroupBody(body, isServiceLocation),
};
