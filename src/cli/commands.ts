/**
 * The option definitions of the commands whose work loads heavy modules (validation with its CEL
 * programs, translation, YAML, the schema tables). Commander needs every command's options before
 * it parses, but only the chosen command's code needs to load: each action imports its module
 * when it runs. So `lastmile version` and the primary of `serve --workers N` (which only
 * supervises) do not load the whole control plane (about 60 MB of resident memory and a third of
 * a second at start).
 */
import type { Command } from 'commander';
import type { ApplyOptions } from './apply.ts';
import type { VerbContext } from './context.ts';
import type { DescribeOptions } from './describe.ts';
import type { GetOptions } from './get.ts';
import type { ValidateOptions } from './validate.ts';

const FILENAME_HELP = 'files or folders of manifests (YAML or JSON); - reads stdin';
const CONFIG_HELP = 'read a folder of manifests (as `serve --config` would)';
const SERVER_HELP = "read a running gateway's admin API, e.g. http://127.0.0.1:9901";
const KIND_HELP = 'kind, plural or short name (e.g. btlspolicy), or KIND/NAME';

/** Registers `validate` on the program. */
export function registerValidate(program: Command, ctx: VerbContext): void {
  program
    .command('validate')
    .description('Check manifests as the API server and the gateway would; exit 1 on any error')
    .requiredOption('-f, --filename <path...>', FILENAME_HELP)
    .action(async (opts: ValidateOptions) => {
      const { runValidate } = await import('./validate.ts');
      ctx.exitCode = await runValidate(ctx, opts);
    });
}

/** Registers `apply` on the program. */
export function registerApply(program: Command, ctx: VerbContext): void {
  program
    .command('apply')
    .description('Validate manifests, then write them into the config folder a gateway serves')
    .requiredOption('-f, --filename <path...>', FILENAME_HELP)
    .requiredOption('--config <dir>', 'the folder `lastmile serve --config` reads')
    .action(async (opts: ApplyOptions) => {
      const { runApply } = await import('./apply.ts');
      ctx.exitCode = await runApply(ctx, opts);
    });
}

/** Registers `get` on the program. */
export function registerGet(program: Command, ctx: VerbContext): void {
  program
    .command('get')
    .description('List objects, or show one, with the status lastmile computed')
    .argument('<kind>', KIND_HELP)
    .argument('[name]', 'name of one object')
    .option('-n, --namespace <ns>', 'namespace', undefined)
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-o, --output <format>', 'yaml | json | wide | name')
    .option('--config <dir>', CONFIG_HELP)
    .option('--server <url>', SERVER_HELP)
    .action(async (kind: string, name: string | undefined, opts: GetOptions) => {
      const { runGet } = await import('./get.ts');
      ctx.exitCode = await runGet(ctx, kind, name, opts);
    });
}

/** Registers `describe` on the program. */
export function registerDescribe(program: Command, ctx: VerbContext): void {
  program
    .command('describe')
    .description('Show one object in detail: spec, computed status, and the diagnostics about it')
    .argument('<kind>', KIND_HELP)
    .argument('[name]', 'name of the object')
    .option('-n, --namespace <ns>', 'namespace')
    .option('--config <dir>', CONFIG_HELP)
    .option('--server <url>', SERVER_HELP)
    .action(async (kind: string, name: string | undefined, opts: DescribeOptions) => {
      const { runDescribe } = await import('./describe.ts');
      ctx.exitCode = await runDescribe(ctx, kind, name, opts);
    });
}

/** Registers `explain` on the program. */
export function registerExplain(program: Command, ctx: VerbContext): void {
  program
    .command('explain')
    .description('Show the fields of a Gateway API kind, with types, required marks and limits')
    .argument('<target>', 'KIND or KIND.field.path, e.g. btlspolicy.spec.validation.hostname')
    .option('--recursive', 'print every nested field (names and types only)', false)
    .action(async (target: string, opts: { recursive: boolean }) => {
      const { explainText } = await import('./explain.ts');
      ctx.io.out(explainText(target, opts.recursive));
    });
}
