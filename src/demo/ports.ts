/** Picking the demo's ports: the usual one when it is free, any free one otherwise. */
import net from 'node:net';

/** Whether `host:port` can be bound right now (port 0 asks for any free port and returns it). */
function tryListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => {
      const a = server.address();
      const bound = a !== null && typeof a === 'object' ? a.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * `preferred` when it can be bound on `host`, else a port that was free a moment ago. The
 * gateway binds it a little later; if something takes it in between, the listener reports
 * `listener_bind_failed` and the demo says so.
 */
export async function pickPort(host: string, preferred: number): Promise<{ port: number; preferredBusy: boolean }> {
  if ((await tryListen(host, preferred)) !== undefined) return { port: preferred, preferredBusy: false };
  const any = await tryListen(host, 0);
  if (any === undefined) throw new Error(`no free port on ${host}`);
  return { port: any, preferredBusy: true };
}
