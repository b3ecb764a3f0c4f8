/** Re-export for the ops not yet moved onto the driver layer (create.ts, binary.ts); the launcher lives in src/drivers/launch.ts. */
export { forBlocks, type Block } from '../drivers/launch';
