import { runLimitStoreContract } from '../limit-store.contract.js';
import { createMemoryLimitStore } from './memory-limit-store.js';

runLimitStoreContract('memory', () => Promise.resolve(createMemoryLimitStore()));
