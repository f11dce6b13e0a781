/**
 * The front's own answers, written before a request reaches the data plane, as node:http writes
 * them: `100 Continue` for `Expect: 100-continue`, and the error answers that close the
 * connection (400 for a parse error, 408 for a head not complete in time, 413 for oversized chunk
 * extensions, 431 for a head over the size limit).
 */

export const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
export const CONTINUE_EXPECTATION = /(?:^|\W)100-continue(?:$|\W)/i;

function errorAnswer(status: number, reason: string): string {
  return `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
}

export const BAD_REQUEST = errorAnswer(400, 'Bad Request');
export const TIMEOUT = errorAnswer(408, 'Request Timeout');
const TOO_LARGE = errorAnswer(413, 'Payload Too Large');
const HEADERS_TOO_LARGE = errorAnswer(431, 'Request Header Fields Too Large');

/** The answer to an llhttp parse error (by its code). */
export function parseErrorAnswer(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return HEADERS_TOO_LARGE;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return TOO_LARGE;
  return BAD_REQUEST;
}
