// Entry file of every data-parallel worker thread. A worker thread does not get the parent's TypeScript
// loader: neither `node --import tsx` (tests, npm scripts) nor bin/larr.mjs's `register()` reaches it, and
// `new Worker('worker.ts')` fails with "Unknown file extension .ts". So the worker starts from plain JS,
// registers tsx for itself, then imports the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
