// One error shape for every endpoint: { error: { code, message, requestId, fields? } }.
import type { ErrorRequestHandler, Request } from 'express';
import { ZodError } from 'zod';
import type { Logger } from 'pino';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export function zodFields(err: ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
}

export function requestId(req: Request): string {
  return String((req as Request & { id?: unknown }).id ?? '');
}

export function errorMiddleware(
  logger: Logger,
  /** Told every error answer (status and code), e.g. to count webhook rejections. */
  onError?: (req: Request, status: number, code: string) => void,
): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const id = requestId(req);
    let status = 500;
    let body: { code: string; message: string; fields?: { path: string; message: string }[] } = {
      code: 'internal',
      message: 'Something went wrong; the request id identifies it in our logs.',
    };
    if (err instanceof HttpError) {
      status = err.status;
      body = { code: err.code, message: err.message, fields: err.fields };
    } else if (err instanceof ZodError) {
      status = 400;
      body = {
        code: 'invalid_body',
        message: 'The body does not match the expected shape.',
        fields: zodFields(err),
      };
    } else if (isBodyParserError(err)) {
      status = err.status;
      body = {
        code: err.type === 'entity.too.large' ? 'body_too_large' : 'malformed_body',
        message:
          err.type === 'entity.too.large'
            ? 'The body is larger than this endpoint accepts.'
            : 'The body could not be read.',
      };
    }
    if (status >= 500) logger.error({ err, requestId: id }, 'request failed');
    onError?.(req, status, body.code);
    res.status(status).json({ error: { ...body, requestId: id } });
  };
}

function isBodyParserError(err: unknown): err is { status: number; type: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'type' in err &&
    'status' in err &&
    typeof (err as { status: unknown }).status === 'number'
  );
}
