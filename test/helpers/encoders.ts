/** Test helper (not a test): a small `[AGG]` encoder, quick to build, register and load. */
import {
  createAggEncoderConfig,
  type AggEncoderConfig,
} from '../../src/model/aggregate/agg-encoder-config.ts';

/** The config of a small `[AGG]` encoder over `inputDimension`-dimensional field embeddings. */
export function smallAggEncoderConfig(inputDimension: number): AggEncoderConfig {
  return createAggEncoderConfig(inputDimension, {
    modelDimension: 16,
    heads: 2,
    ffDimension: 32,
    headHidden: 16,
    sceneDimension: 8,
  });
}
