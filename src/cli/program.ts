/** The `lastmile` command: one file per verb under cli/. Returns the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'version') {
    process.stdout.write('lastmile 0.1.0\n');
    return 0;
  }
  process.stderr.write('lastmile: not implemented yet\n');
  return 1;
}
