/**
 * What stages 1 and 2 both start from: an encoder folder opened for training — its tokenizer, the tfjs
 * top layers with the graph's weights (`BertEncoder`) and onnxruntime over the frozen layers below them
 * (`PrefixRunner`), from one read of the ONNX graph.
 */
import { BertEncoder } from './bert-encoder.ts';
import { readBertWeights, type BertShape } from './bert-weights.ts';
import { readTokenizerJson, type EncoderFolder } from './encoder-folder.ts';
import { createTokenizer, type HfTokenizer } from './hf-tokenizer.ts';
import { OnnxGraph } from './onnx-graph.ts';
import { PrefixRunner } from './prefix-runner.ts';

export interface TrainableEncoder {
  readonly tokenizer: HfTokenizer;
  readonly shape: BertShape;
  readonly encoder: BertEncoder;
  readonly prefix: PrefixRunner;
  /** Disposes the tfjs weights and releases the onnxruntime session. */
  close(): Promise<void>;
}

export async function openTrainableEncoder(
  folder: EncoderFolder,
  trainableLayers: number,
): Promise<TrainableEncoder> {
  const tokenizer = createTokenizer(await readTokenizerJson(folder.tokenizerPath));
  const graph = await OnnxGraph.read(folder.modelPath);
  // readBertWeights copies the values, so the graph can then take the prefix's extra output.
  const { shape, weights } = readBertWeights(graph);
  const encoder = new BertEncoder(shape, weights, { trainableLayers });
  let prefix: PrefixRunner;
  try {
    prefix = await PrefixRunner.open(graph, encoder.firstTrainable - 1, shape.hidden);
  } catch (error) {
    encoder.dispose();
    throw error;
  }
  return {
    tokenizer,
    shape,
    encoder,
    prefix,
    async close() {
      encoder.dispose();
      await prefix.close();
    },
  };
}
