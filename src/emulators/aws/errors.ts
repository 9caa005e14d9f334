/** An error answered on the wire as `<ErrorResponse>` with the model's code and HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The exact error real ELB endpoints send when a token bucket is empty. */
export function throttlingError(): ApiError {
  return new ApiError('Throttling', 'Rate exceeded', 400);
}

/** The refusal IAM gives a caller without permission for an action (HTTP 403); nothing is applied. */
export function accessDenied(action: string): ApiError {
  return new ApiError('AccessDenied', `User: arn:aws:iam::123456789012:user/drainctl-test is not authorized to perform: elasticloadbalancing:${action} because no identity-based policy allows the elasticloadbalancing:${action} action`, 403);
}

/** A request-validation failure, worded the way AWS's query services word them. */
export function validationError(message: string): ApiError {
  return new ApiError('ValidationError', message, 400);
}

/** Lower-cases the first letter of each path segment, as AWS's validation messages show member paths. */
export function memberPath(name: string): string {
  return name
    .split('.')
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join('.');
}

/** `ValidationError` for a required parameter that is absent. */
export function missingParameter(name: string): ApiError {
  return validationError(
    `1 validation error detected: Value null at '${memberPath(name)}' failed to satisfy constraint: Member must not be null`,
  );
}
