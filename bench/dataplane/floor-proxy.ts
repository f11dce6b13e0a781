/**
 * floor-proxy.ts: the least a Node.js proxy can do for the yardstick's job, to measure what
 * Node's own I/O path costs on this machine (issue "Performance"). NOT a gateway and not part of
 * lastmile: no routing, no policy, no header checks, no metrics, no timeouts, bodiless requests
 * only. What it keeps is what any Node proxy for this job must pay for: plain HTTP in, parsed by
 * Node's llhttp reading straight from the socket handle (as lastmile and node:http do), verified
 * TLS with SNI to one backend over pooled keep-alive connections (session resumption on
 * reconnect), the response parsed by llhttp the same way, and one write per direction through
 * the sockets' public stream API. Request and response fields are passed through (minus
 * Connection), so the bytes on the wire match lastmile's closely.
 *
 * Its req/s against nginx in the same run (floor.sh) is the ceiling for any proxy built on
 * Node's public socket API here; lastmile's distance to it is lastmile's own per-request work.
 *
 * Environment: BENCH_PORT, BENCH_BACKEND_HOST, BENCH_BACKEND_PORT, BENCH_CA, BENCH_SNI (the
 * yardstick's variables).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { HTTPParser, type ParseError } from '../../src/dataplane/llhttp.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`floor-proxy: ${name} is not set`);
  return v;
};
const port = Number(env('BENCH_PORT'));
const backendHost = env('BENCH_BACKEND_HOST');
const backendPort = Number(env('BENCH_BACKEND_PORT'));
const ca = readFileSync(env('BENCH_CA'));
const sni = env('BENCH_SNI');

type Done = (status: number, fields: string[], body: Buffer | undefined) => void;

/** One pooled upstream connection and its response parser. */
interface Upstream {
  readonly socket: TLSSocket;
  done: Done | undefined;
  /** Answers the request in flight when the connection dies before its response. */
  fail: (() => void) | undefined;
  status: number;
  fields: string[];
  body: Buffer | undefined;
}

const idle: Upstream[] = [];
let session: Buffer | undefined;

/** `name: value\r\n` for each field but Connection. */
function serialize(raw: string[]): string {
  let s = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') continue;
    s += name + ': ' + raw[i + 1]! + '\r\n';
  }
  return s;
}

/**
 * Hands `use` a pooled connection or a new one; `fail` answers the request if the connection
 * fails before its response. A connection that closes leaves the pool.
 */
function withUpstream(use: (u: Upstream) => void, fail: () => void): void {
  const pooled = idle.pop();
  if (pooled !== undefined) {
    pooled.fail = fail;
    return use(pooled);
  }
  const socket = connect({ host: backendHost, port: backendPort, ca, servername: sni, session });
  const u: Upstream = { socket, done: undefined, fail, status: 0, fields: [], body: undefined };
  socket.setNoDelay(true);
  socket.on('session', (s: Buffer) => { session = s; });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    const i = idle.indexOf(u);
    if (i >= 0) idle.splice(i, 1);
    const failed = u.fail;
    u.fail = undefined;
    u.done = undefined;
    failed?.();
  });
  socket.once('secureConnect', () => {
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone);
    parser[HTTPParser.kOnHeadersComplete] = (_ma: number, _mi: number, fields: string[], _m: unknown, _u: unknown, status: number) => {
      u.status = status;
      u.fields = fields;
    };
    parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      u.body = u.body === undefined ? chunk : Buffer.concat([u.body, chunk]);
    };
    parser[HTTPParser.kOnMessageComplete] = () => {
      const done = u.done!;
      const body = u.body;
      u.done = undefined;
      u.fail = undefined;
      u.body = undefined;
      idle.push(u);
      done(u.status, u.fields, body);
    };
    parser[HTTPParser.kOnExecute] = (ret: number | ParseError) => {
      if (typeof ret !== 'number') socket.destroy();
    };
    parser.consume((socket as unknown as { _handle: object })._handle);
    use(u);
  });
}

createServer({ noDelay: true }, (client: Socket) => {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
  const bad = (): void => {
    client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  };
  parser[HTTPParser.kOnHeadersComplete] = (_ma: number, _mi: number, fields: string[], _method: number, url: string) => {
    const head = `GET ${url} HTTP/1.1\r\n${serialize(fields)}\r\n`;
    withUpstream((u) => {
      u.done = (status, resFields, body) => {
        const text = body === undefined ? '' : body.toString('latin1');
        client.write(`HTTP/1.1 ${status} OK\r\n${serialize(resFields)}\r\n${text}`, 'latin1');
      };
      u.socket.write(head, 'latin1');
    }, bad);
  };
  parser[HTTPParser.kOnExecute] = (ret: number | ParseError) => {
    if (typeof ret !== 'number') client.destroy();
  };
  parser.consume((client as unknown as { _handle: object })._handle);
  client.resume();
  client.on('error', () => client.destroy());
  client.on('close', () => parser.close());
}).listen(port, '127.0.0.1');
