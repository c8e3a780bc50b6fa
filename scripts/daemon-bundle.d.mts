import type { BuildOptions } from 'esbuild';

/** esbuild options shared by every build of the daemon (see daemon-bundle.mjs). */
export declare const daemonBundleOptions: BuildOptions;
