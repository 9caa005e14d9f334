/** An ARM error, answered on the wire as `{"error":{"code","message"}}` with its HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers (Retry-After on throttling). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

/** The JSON body ARM sends with an error. */
export function errorBody(error: ArmError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}

/** 404 for a top-level resource, worded as ARM words it. */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
}

/** 404 for a child resource of an existing parent (Microsoft.Network answers `NotFound`). */
export function childNotFound(id: string): ArmError {
  return new ArmError(404, 'NotFound', `Resource ${id} not found.`);
}

/** 400 for a request body the emulator cannot accept. */
export function invalidRequest(message: string): ArmError {
  return new ArmError(400, 'InvalidRequestFormat', message);
}
