// Public entry of the provider emulator: start function and types.
export { startEmulator } from './start-emulator.js';
export type {
  Emulator,
  EmulatorEvent,
  EmulatorEventMap,
  EmulatorListener,
  EmulatorKind,
  EmulatorOptions,
  EmulatorStats,
  FaultPlan,
  RecordedRequest,
} from './types.js';
