#!/usr/bin/env node
// The `intake` command. TypeScript sources run directly through tsx's loader: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
