/** One entry of an ARM error's `details`. */
export interface ErrorDetail {
  readonly code: string;
  readonly message: string;
}

/** An ARM error, answered on the wire as `{"error":{"code","message","details"?}}` with its HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (Retry-After on throttling). */
    readonly headers: Readonly<Record<string, string>> = {},
    /** Sent as `details` when given; Microsoft.Network sends `[]` with its validation errors. */
    readonly details?: readonly ErrorDetail[],
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

/** The JSON body ARM sends with an error. */
export function errorBody(error: ArmError): { error: { code: string; message: string; details?: readonly ErrorDetail[] } } {
  return { error: { code: error.code, message: error.message, ...(error.details && { details: error.details }) } };
}

/** 404 for a top-level resource, worded as ARM words it. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

/** 404 for a child resource of an existing parent (Microsoft.Network answers `NotFound`). */
export function childNotFound(id: string): ArmError {
  return new ArmError(404, 'NotFound', `Resource ${id} not found.`);
}

/**
 * 400 for a body ARM's front door cannot read: not JSON, or not a JSON object. The quoted
 * part is the emulator's own wording (ARM quotes its .NET deserializer there).
 */
export function invalidContent(reason: string): ArmError {
  return new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: '${reason}'.`);
}

/** The body a PUT must carry: a JSON object, or InvalidRequestContent. */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  const got = body === undefined ? 'no content' : Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`;
  throw invalidContent(`the request body must be a JSON object (got ${got})`);
}
