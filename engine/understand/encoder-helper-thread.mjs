// A helper thread's entry (see encoder-helpers.ts): TypeScript sources run through tsx's loader, as in the
// main process (cli/intake.mjs), whatever started that process.
import { register } from 'tsx/esm/api';

register();
await import('./encoder-helper-thread.ts');
