import { DocketError } from '../errors.js';

/** No route for the request path, or none that this server answers (404 UNSUPPORTED). */
export class RouteUnknownError extends DocketError {
  constructor(
    readonly method: string,
    readonly path: string,
  ) {
    super(`no route: ${method} ${path}`);
  }
}

/** A route this server answers, but not with that method (405 UNSUPPORTED, with `Allow`). */
export class MethodNotAllowedError extends DocketError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: readonly string[],
  ) {
    super(`method not allowed: ${method} ${path}`);
  }
}

/** A `Range` none of whose ranges overlaps the `size` bytes there are (RFC 9110 §15.5.17: 416). */
export class RangeNotSatisfiableError extends DocketError {
  constructor(
    readonly header: string,
    readonly size: number,
  ) {
    super(`range "${header}" not satisfiable for ${size} bytes`, { size });
  }
}

/**
 * A request naming a server other than this one in `Host` (DNS rebinding: another site's
 * name resolved to this address), or sent by a page of another origin (`Origin`): 403 DENIED.
 */
export class ForeignRequestError extends DocketError {
  constructor(
    readonly header: 'Host' | 'Origin',
    readonly value: string,
  ) {
    super(`${header} "${value}" is not one this server answers to`);
  }
}
