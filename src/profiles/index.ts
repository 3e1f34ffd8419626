/**
 * Hardware profiles: load them (load.ts), judge figures against their
 * targets (threshold.ts), and derive the hardware's physical ceiling
 * (ceiling.ts). The files live in profiles/; profiles/README.md explains them.
 */
export { PROFILES_DIR, PROFILE_SCHEMA_PATH, listProfiles, loadProfile, parseProfile, resolveProfileFile } from './load.ts';
export {
  ceilingForMetric,
  decodeCeilingTokensPerS,
  kvCacheCapacityTokens,
  prefillCeilingTokensPerS,
  profileCeiling,
  ttftFloorMs,
  weightBytesPerToken,
  type ProfileCeiling,
} from './ceiling.ts';
export { formatThreshold, meetsThreshold, parseThreshold } from './threshold.ts';
export type * from './types.ts';
