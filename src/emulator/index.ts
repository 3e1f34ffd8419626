/**
 * The vLLM emulator's public API. Everything else in this folder is internal.
 * See server.ts (HTTP), script.ts (scripted replies), directives.ts (in-band
 * `[[emulate …]]` directives) and tokens.ts (token counting).
 */
export { startEmulator, type RunningEmulator } from './server.ts';
export { EMULATOR_DEFAULTS, resolveEmulatorOptions, type EmulatorEvent, type EmulatorOptions, type EmulatorTiming } from './options.ts';
export { countPromptTokens } from './tokens.ts';
export { parseScript, type Script, type ScriptMatch, type ScriptReply, type ScriptRule, type ScriptToolCall } from './script.ts';
export { loadScriptFile } from './script-file.ts';
export { parseDirectives, type Directive } from './directives.ts';
export { INFO_PATH, type EmulatorInfo } from './server.ts';
export {
  BatchScheduler,
  stepDurationMs,
  type BatchingModel,
  type BatchRequestHooks,
  type BatchRequestSpec,
  type BatchSchedulerOptions,
  type BatchTicket,
  type FinishedRecord,
} from './batching.ts';
export { simulateClosedLoop, type ClosedLoopPrediction, type ClosedLoopWorkload } from './simulate.ts';
export { batchingModelFromProfile, predictClosedLoop } from './profile-model.ts';
export { openEventLog, type EventLog } from './event-log.ts';
