/**
 * What a PUT body check finds, in two wordings: ARM's (code, message, details, as
 * Microsoft.Network answers on the wire) for requests, and a path-first one for seed files.
 * Also the type checks that real ARM reports as `InvalidRequestFormat` "Cannot parse the
 * request." with one `details` entry per field (`InvalidJson`, `MissingJsonReferenceId`).
 */
import { ArmError, type ErrorDetail } from './errors.js';
import { type Json, isObject } from './model.js';

/** One thing wrong with a request body. */
export interface BodyProblem {
  /** The JSON path of the field at fault: `properties.requestRoutingRules[0].properties.httpListener`. */
  readonly path: string;
  /** What is wrong, worded to follow the path: `must be an integer from 1 to 3600 (got 0)`. */
  readonly problem: string;
  /** ARM's error code and message for it. */
  readonly code: string;
  readonly message: string;
  readonly details: readonly ErrorDetail[];
}

/** The 400 a request with this problem gets. */
export function problemError(problem: BodyProblem): ArmError {
  return new ArmError(400, problem.code, problem.message, {}, problem.details);
}

/** The seed-file wording: `properties.frontendPorts[0].properties.port must be …`. */
export function problemText(problem: BodyProblem): string {
  return problem.path === '' ? problem.problem : `${problem.path} ${problem.problem}`;
}

/** A problem Microsoft.Network reports with its own code and message (details empty, as on the wire). */
export function rpProblem(path: string, problem: string, code: string, message: string): BodyProblem {
  return { path, problem, code, message, details: [] };
}

/** The .NET namespace Microsoft.Network's own type names carry in InvalidJson messages. */
export const NRP_TYPES = 'Microsoft.WindowsAzure.Networking.Nrp.Frontend.Contract.Csm.Public.';

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : JSON.stringify(value);
}

/**
 * Collects type problems the way a JSON deserializer meets them (every one, in document
 * order); `problem()` turns them into one InvalidRequestFormat with a detail per field.
 */
export class TypeChecks {
  private readonly found: { path: string; problem: string; detail: ErrorDetail }[] = [];

  /** Records a problem that is not a type mismatch but is reported with them (names, addresses). */
  fail(path: string, problem: string, detail: string): void {
    this.found.push({ path, problem, detail: { code: 'InvalidJson', message: `${detail} Path '${path}'.` } });
  }

  private mismatch(value: unknown, path: string, type: string, problem: string): void {
    const detail = isObject(value) || Array.isArray(value) ? `Unexpected JSON ${kindOf(value)} where ${type} was expected.` : `Error converting value ${JSON.stringify(value)} to type '${type}'.`;
    this.fail(path, `${problem} (got ${JSON.stringify(value)})`, detail);
  }

  /** An object, or undefined when absent; anything else is recorded. */
  object(value: unknown, path: string, type: string): Json | undefined {
    if (value === undefined || value === null) return undefined;
    if (isObject(value)) return value;
    this.mismatch(value, path, NRP_TYPES + type, 'must be an object');
    return undefined;
  }

  /** An array, or undefined when absent. */
  array(value: unknown, path: string, itemType: string): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value;
    this.mismatch(value, path, `System.Collections.Generic.List\`1[${NRP_TYPES}${itemType}]`, 'must be an array');
    return undefined;
  }

  string(value: unknown, path: string): void {
    if (value !== undefined && value !== null && typeof value !== 'string') this.mismatch(value, path, 'System.String', 'must be a string');
  }

  integer(value: unknown, path: string): void {
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isInteger(value))) this.mismatch(value, path, 'System.Int32', 'must be an integer');
  }

  boolean(value: unknown, path: string): void {
    if (value !== undefined && value !== null && typeof value !== 'boolean') this.mismatch(value, path, 'System.Boolean', 'must be true or false');
  }

  /** One of `allowed`, or absent. */
  oneOf(value: unknown, path: string, allowed: readonly string[], type: string): void {
    if (value === undefined || value === null) return;
    if (typeof value !== 'string' || !allowed.includes(value)) this.mismatch(value, path, NRP_TYPES + type, `must be one of ${allowed.join(', ')}`);
  }

  /** A sub-resource reference `{ "id": "…" }`, or absent. */
  reference(value: unknown, path: string): void {
    if (value === undefined || value === null) return;
    if (!isObject(value)) {
      this.mismatch(value, path, `${NRP_TYPES}SubResource`, 'must be an object with an "id"');
      return;
    }
    if (typeof value.id !== 'string' || value.id === '') {
      this.found.push({ path, problem: 'must be an object with an "id"', detail: { code: 'MissingJsonReferenceId', message: `Value for reference id is missing. Path ${path}.` } });
    }
  }

  /** Names of named items: present and unique (case-insensitively, as ARM compares names). */
  names(items: readonly Json[], path: string): void {
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      const name = item.name;
      if (typeof name !== 'string' || name === '') {
        this.fail(`${path}[${i}].name`, 'is required', 'A sub-resource needs a name.');
        continue;
      }
      if (seen.has(name.toLowerCase())) this.fail(`${path}[${i}].name`, `"${name}" is used twice`, `The name "${name}" is used by two items of ${path}.`);
      seen.add(name.toLowerCase());
    }
  }

  /** The first problem, carrying every detail; undefined when the body's types are right. */
  problem(): BodyProblem | undefined {
    const first = this.found[0];
    if (!first) return undefined;
    return { path: first.path, problem: first.problem, code: 'InvalidRequestFormat', message: 'Cannot parse the request.', details: this.found.map((f) => f.detail) };
  }
}
