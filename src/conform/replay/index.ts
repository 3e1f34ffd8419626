/** Replay of recorded sessions (`conform --fixtures DIR`). */
export { loadReplayChecks, replayCheckId, replayChecks } from './checks.ts';
export { judgeReplay } from './judge.ts';
export { loadReplayFixtures, type ReplayFixture } from './load.ts';
export { replayHeaders, replayKind, replaySpec, type ReplayKind } from './request.ts';
export { checkToolCalls, offeredTools, type OfferedTool, type ToolCall, type ToolCallReport } from './tool-schemas.ts';
