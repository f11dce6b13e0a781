import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from './testing.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

test('version prints the package.json version', async () => {
  const r = await runCli(['version']);
  assert.equal(r.code, 0);
  assert.match(r.out, new RegExp(`^lastmile ${version.replace(/\./g, '\\.')} \\(node v\\d+`));
});

test('a bad flag is one line on stderr and exit 1', async () => {
  const r = await runCli(['get', 'svc', '--frobnicate']);
  assert.equal(r.code, 1);
  assert.equal(r.err, "error: unknown option '--frobnicate'\n");
  assert.equal(r.out, '');
});

test('an unknown verb suggests the right one', async () => {
  const r = await runCli(['valdiate']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: unknown command 'valdiate'\n\(Did you mean validate\?\)\n$/);
});

test('no arguments prints the help on stderr and exits 1; --help exits 0', async () => {
  const none = await runCli([]);
  assert.equal(none.code, 1);
  assert.match(none.err, /Usage: lastmile/);
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /validate/);
});

test('a missing required option says which', async () => {
  const r = await runCli(['validate']);
  assert.equal(r.code, 1);
  assert.equal(r.err, "error: required option '-f, --filename <path...>' not specified\n");
});

test('get needs --config or --server', async () => {
  const r = await runCli(['get', 'svc']);
  assert.equal(r.code, 1);
  assert.match(r.err, /^error: say where to read from: --config DIR/);
});

test('get of an unknown kind is one clear line', async () => {
  const r = await runCli(['get', 'frobnicators', '--config', 'examples/basic']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'error: the server doesn\'t have a resource type "frobnicators"\n');
});

test('-o with an unknown format', async () => {
  const r = await runCli(['get', 'svc', '-o', 'toml', '--config', 'examples/basic']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'error: unable to match a printer suitable for the output format "toml", allowed formats are: json,name,wide,yaml\n');
});
