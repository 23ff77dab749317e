import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The checkout root: bots/ and locales/ are read from here whatever the working directory. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
