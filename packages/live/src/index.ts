/**
 * @strata/live — profiles and saved segments' membership kept current as data arrives and as
 * time passes: the engine (one transactional step at a time), the loop a server runs it in, and
 * the nightly recompute that checks and repairs the live state.
 */
export * from './live-engine.js';
export * from './live-loop.js';
export * from './profile-drift.js';
export * from './segment-plan.js';
