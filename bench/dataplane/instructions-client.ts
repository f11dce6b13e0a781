// instructions-client.ts PORT CONNECTIONS: the load instructions.sh measures under.
// Opens CONNECTIONS keep-alive connections once, then for each number N read from stdin sends N
// `GET /` over them (one request in flight per connection), waits for every response of the bench
// backend ("hello from backend\n") and prints `done N MS` on stdout. The same connections carry
// every round, so a measured round has no connection set-up in it, and the requests are the same
// bytes every run: the instructions lastmile spends on them are repeatable.
import net, { type Socket } from 'node:net';
import readline from 'node:readline';

const [port = 0, conns = 0] = process.argv.slice(2, 4).map(Number);
const kind = process.argv[4] ?? 'short';
if (!(port > 0 && conns > 0) || (kind !== 'short' && kind !== 'browser')) {
  console.error('usage: instructions-client.ts PORT CONNECTIONS [short|browser] (then request counts on stdin)');
  process.exit(2);
}
// short: three fields, like curl; browser: the dozen fields a browser sends for a page.
const request = kind === 'short'
  ? 'GET / HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: instructions\r\nAccept: */*\r\n\r\n'
  : 'GET / HTTP/1.1\r\nHost: bench.example\r\nConnection: keep-alive\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\n' +
    'Cache-Control: max-age=0\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Site: none\r\nUpgrade-Insecure-Requests: 1\r\nCookie: session=0123456789abcdef; theme=dark\r\n\r\n';
const marker = 'hello from backend\n';

function fail(message: string): never {
  console.error(`instructions-client: ${message}`);
  process.exit(1);
}

/** One round: `total` requests over the connections; resolves with its duration in ms. */
interface Round { total: number; sent: number; done: number; started: number; resolve: (ms: number) => void }
let round: Round | undefined;
const sockets: Promise<Socket>[] = [];
for (let i = 0; i < conns; i++) {
  const socket = net.connect(port, '127.0.0.1');
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let at: number;
    while ((at = pending.indexOf(marker)) >= 0) {
      if (!pending.startsWith('HTTP/1.1 200 ')) fail(`unexpected response: ${JSON.stringify(pending.slice(0, 80))}`);
      pending = pending.slice(at + marker.length);
      if (round === undefined) fail('response outside a round');
      round.done++;
      if (round.done === round.total) {
        const r = round;
        round = undefined;
        r.resolve(Date.now() - r.started);
      } else {
        send(socket);
      }
    }
  });
  socket.on('error', (error) => fail(error.message));
  socket.on('close', () => {
    if (!closing) fail('the proxy closed a connection');
  });
  sockets.push(new Promise<Socket>((resolve) => socket.on('connect', () => resolve(socket))));
}
let closing = false;

function send(socket: Socket): void {
  if (round !== undefined && round.sent < round.total) {
    round.sent++;
    socket.write(request);
  }
}

const ready = await Promise.all(sockets);
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const total = Number(line.trim());
  if (!(total > 0)) break;
  // A stuck proxy must not hang the benchmark.
  const deadline = setTimeout(() => fail(`timed out in a round of ${total}`), 600_000);
  const ms = await new Promise<number>((resolve) => {
    round = { total, sent: 0, done: 0, started: Date.now(), resolve };
    for (const socket of ready) send(socket);
  });
  clearTimeout(deadline);
  process.stdout.write(`done ${total} ${ms}\n`);
}
closing = true;
for (const socket of ready) socket.destroy();
