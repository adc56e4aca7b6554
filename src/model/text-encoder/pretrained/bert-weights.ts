/**
 * The weights of a BERT-style encoder ONNX graph (the sentence-transformers exports: MiniLM, e5, bge) by
 * stable names, found through the graph's node names, not the exporter's anonymous initializer names
 * (`onnx::MatMul_787`): `layer.3/attention/query/kernel` is the second input of the node
 * `/encoder/layer.3/attention/self/query/MatMul`, its bias the initializer input of the `…/query/Add` next
 * to it. Reading them gives tfjs the pretrained weights; writing them back puts trained weights into the
 * same graph, so serving on onnxruntime runs exactly what was trained.
 */
import { LarrError } from '../../../core/errors.ts';
import type { FloatWeight, OnnxGraph } from './onnx-graph.ts';

/** Sizes read off the graph. */
export interface BertShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocabulary: number;
  readonly maxPositions: number;
}

/** Each dense part of a layer: the MatMul / Add node path under `/encoder/layer.<i>/`. */
const DENSE_PARTS = {
  'attention/query': 'attention/self/query',
  'attention/key': 'attention/self/key',
  'attention/value': 'attention/self/value',
  'attention/output': 'attention/output/dense',
  intermediate: 'intermediate/dense',
  output: 'output/dense',
} as const;
/** Each LayerNorm of a layer: the node path, whose Mul / Add_1 read gamma / beta. */
const NORM_PARTS = {
  'attention/norm': 'attention/output/LayerNorm',
  'output/norm': 'output/LayerNorm',
} as const;

/** The value a hidden state has after layer `index` (or after the embeddings, index -1). */
export function hiddenStateName(index: number): string {
  return index < 0
    ? '/embeddings/LayerNorm/Add_1_output_0'
    : `/encoder/layer.${index}/output/LayerNorm/Add_1_output_0`;
}

/** Stable weight name → initializer name in the graph. */
export function bertWeightNames(graph: OnnxGraph): { shape: BertShape; names: Map<string, string> } {
  const names = new Map<string, string>();
  const word = graph.gatherTableOf('input_ids');
  if (word === undefined) throw unsupported(graph, 'no Gather reads input_ids');
  names.set('embeddings/word', word);
  names.set('embeddings/position', needInitializerInput(graph, '/embeddings/position_embeddings/Gather'));
  const tokenType = graph.initializerInputs('/embeddings/token_type_embeddings/Gather')[0];
  if (tokenType !== undefined) names.set('embeddings/token_type', tokenType);
  addNorm(graph, names, 'embeddings/norm', '/embeddings/LayerNorm');
  let layers = 0;
  while (graph.hasNode(`/encoder/layer.${layers}/attention/self/query/MatMul`)) {
    const prefix = `layer.${layers}`;
    for (const [stable, path] of Object.entries(DENSE_PARTS)) {
      names.set(
        `${prefix}/${stable}/kernel`,
        needInitializerInput(graph, `/encoder/${prefix}/${path}/MatMul`),
      );
      names.set(`${prefix}/${stable}/bias`, needInitializerInput(graph, `/encoder/${prefix}/${path}/Add`));
    }
    for (const [stable, path] of Object.entries(NORM_PARTS)) {
      addNorm(graph, names, `${prefix}/${stable}`, `/encoder/${prefix}/${path}`);
    }
    layers += 1;
  }
  if (layers === 0) throw unsupported(graph, 'no /encoder/layer.0/attention/self/query/MatMul node');
  const [vocabulary, hidden] = graph.get(word).dims as [number, number];
  const [, intermediate] = graph.get(names.get('layer.0/intermediate/kernel')!).dims as [number, number];
  const [maxPositions] = graph.get(names.get('embeddings/position')!).dims as [number];
  // The attention scores are divided by sqrt(head width): a scalar constant of the graph.
  const scale = graph.scalarInput('/encoder/layer.0/attention/self/Div');
  const headWidth = scale === undefined ? 64 : Math.round(scale * scale);
  return {
    shape: { layers, hidden, heads: hidden / headWidth, intermediate, vocabulary, maxPositions },
    names,
  };
}

/** The named weights (copies), e.g. to initialise a tfjs model. */
export function readBertWeights(graph: OnnxGraph): { shape: BertShape; weights: Map<string, FloatWeight> } {
  const { shape, names } = bertWeightNames(graph);
  return { shape, weights: new Map([...names].map(([stable, onnxName]) => [stable, graph.get(onnxName)])) };
}

/** Puts named weights back into the graph (only those given; shapes may grow, e.g. the vocabulary). */
export function writeBertWeights(graph: OnnxGraph, weights: ReadonlyMap<string, FloatWeight>): void {
  const { names } = bertWeightNames(graph);
  for (const [stable, weight] of weights) {
    const onnxName = names.get(stable);
    if (onnxName === undefined) {
      throw new LarrError('ONNX_WEIGHT_MISSING', `${graph.source} has no weight for ${stable}`);
    }
    graph.set(onnxName, weight);
  }
}

function addNorm(graph: OnnxGraph, names: Map<string, string>, stable: string, path: string): void {
  names.set(`${stable}/gamma`, needInitializerInput(graph, `${path}/Mul`));
  names.set(`${stable}/beta`, needInitializerInput(graph, `${path}/Add_1`));
}

function needInitializerInput(graph: OnnxGraph, node: string): string {
  const [name] = graph.initializerInputs(node);
  if (name === undefined) throw unsupported(graph, `no initializer input on node ${node}`);
  return name;
}

function unsupported(graph: OnnxGraph, why: string): LarrError {
  return new LarrError(
    'ONNX_MODEL_UNSUPPORTED',
    `${graph.source} is not a BERT-style encoder export larr can train (${why})`,
  );
}
