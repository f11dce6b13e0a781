/**
 * Which upstream engine `serve` runs: the lean one (lean-engine.ts) by default, or the undici one
 * when `LASTMILE_UPSTREAM_ENGINE=undici` (a way back should a backend need undici's behaviour,
 * and how the benchmark compares both).
 */
import type { Upstream, UpstreamEngineOptions } from './engine.ts';
import { UpstreamEngine } from './engine.ts';
import { LeanUpstreamEngine } from './lean-engine.ts';

/** Engine names accepted by `LASTMILE_UPSTREAM_ENGINE`. */
export type EngineKind = 'lean' | 'undici';

/** Every engine, for tests that must hold for both. */
export const engineKinds: readonly EngineKind[] = ['lean', 'undici'];

/** The engine kind from the environment (default lean). */
export function engineKind(env: NodeJS.ProcessEnv = process.env): EngineKind {
  return env['LASTMILE_UPSTREAM_ENGINE'] === 'undici' ? 'undici' : 'lean';
}

/** Creates the engine of `kind` (default: from the environment). */
export function createUpstreamEngine(options: UpstreamEngineOptions = {}, kind: EngineKind = engineKind()): Upstream & { readonly poolCount: number } {
  return kind === 'undici' ? new UpstreamEngine(options) : new LeanUpstreamEngine(options);
}
