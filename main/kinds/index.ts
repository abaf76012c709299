/**
 * The composition of the engine's built-in target kinds and probe extensions. Imported once by the
 * runner, so every entry point (CLI, console, serve, tests) gets the same set.
 */
import { KernelTarget } from '../lab/kernel/kernel-target';
import { registerKernelTargetFactory } from '../run/targets';
import './kernel/pause';
import './chaos';
import './burst';

registerKernelTargetFactory((spec, { workdir, env }) => new KernelTarget(spec, { workdir, env }));
