/**
 * The contracts between a front connection (connection.ts), the server that owns it (server.ts)
 * and the listener's request handlers.
 */
import type { Socket } from 'node:net';
import type { FrontConnection } from './connection.ts';
import type { FrontRequest } from './request.ts';
import type { FrontResponse } from './response.ts';

/** What the connection hands requests to (the listener's handlers). */
export interface FrontHandlers {
  request(req: FrontRequest, res: FrontResponse): void;
  upgrade(req: FrontRequest, socket: Socket, head: Buffer): void;
  clientError(err: Error): void;
}

/** What a connection reads from its server. */
export interface FrontHost {
  readonly handlers: FrontHandlers;
  readonly keepAliveField: string;
  readonly draining: boolean;
  /** Sweep ticks so far. */
  readonly tick: number;
  /** The connection left (closed, or handed to an upgrade). */
  released(conn: FrontConnection, upgraded: Socket | undefined): void;
}
