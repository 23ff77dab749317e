import { createMemoryStore } from '../../adapters/store/memory/memory-store.ts';
import { storeConformance } from './conformance.ts';

storeConformance('memory', { open: async () => createMemoryStore() });
