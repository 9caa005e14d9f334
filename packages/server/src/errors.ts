/** A bad input to createDrainer. `option` names the option (or 'server') at fault; the message says the way out. */
export class DrainerOptionsError extends Error {
  override readonly name = 'DrainerOptionsError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
