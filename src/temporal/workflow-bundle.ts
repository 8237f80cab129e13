// What the worker's workflow code is made of: the workflows and their interceptor modules, bundled at start from
// source, or prebuilt (scripts/bundle-workflows.ts, at image build time) into a folder NUMBERFLOW_WORKFLOW_BUNDLE
// names. A bundle is fixed at build time, so the folder holds two: without and with the tracing interceptors.
import { existsSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../config.js';
import { makeDir } from '../make-dir.js';

/** A workflows module, whether this runs as .ts (tsx) or as built .js. */
const workflowsModule = (name: string) =>
  fileURLToPath(new URL(`../workflows/${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** The workflows entry point. */
export const workflowsPath = workflowsModule('index');

/** Workflow interceptors; a prebuilt bundle must be built with them (bundleWorkflowCode's workflowInterceptorModules). */
export const workflowInterceptorModules = [workflowsModule('undecryptable-guard')];

/** Temporal's OpenTelemetry workflow interceptors, without the update handler's span (see the module). */
const tracingInterceptorModule = workflowsModule('tracing-interceptors');

export function interceptorModulesFor(tracing: boolean): string[] {
  return tracing ? [...workflowInterceptorModules, tracingInterceptorModule] : workflowInterceptorModules;
}

/** The bundle of a folder made by writeWorkflowBundles. */
export function bundleFileIn(dir: string, tracing: boolean): string {
  return join(dir, tracing ? 'workflows-tracing.js' : 'workflows.js');
}

/** The worker's workflow code: the prebuilt bundle of NUMBERFLOW_WORKFLOW_BUNDLE, or the sources bundled now. */
export function workflowCodeFor(
  bundleDir: string | undefined,
  tracing: boolean,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> & { workflowModules?: string[] } {
  if (!bundleDir) return { workflowsPath, workflowModules: interceptorModulesFor(tracing) };
  const codePath = bundleFileIn(bundleDir, tracing);
  if (!existsSync(codePath)) {
    throw new ConfigError(
      `NUMBERFLOW_WORKFLOW_BUNDLE: no ${tracing ? 'tracing ' : ''}bundle at "${codePath}"; ` +
        `build the folder with: npx tsx scripts/bundle-workflows.ts ${bundleDir} (in a checkout; the image builds it at its build)`,
    );
  }
  return { workflowBundle: { codePath } };
}

/** The sources bundled now, once for the workers of one process (each would otherwise bundle them again). */
export async function bundleFromSource(tracing: boolean): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: interceptorModulesFor(tracing),
    logger: new DefaultLogger('WARN'),
  });
  return { code };
}

/** Writes both bundles (without and with tracing) into `dir`; answers their paths. */
export async function writeWorkflowBundles(dir: string): Promise<string[]> {
  makeDir(dir);
  const written: string[] = [];
  for (const tracing of [false, true]) {
    const { code } = await bundleFromSource(tracing);
    const file = bundleFileIn(dir, tracing);
    writeFileSync(file, code);
    written.push(file);
  }
  return written;
}
