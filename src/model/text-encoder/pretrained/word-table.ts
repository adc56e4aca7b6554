/**
 * An encoder graph's word-embedding table as floats, however the export stores it: float32, or 8-bit with a
 * per-tensor scale and zero point read by a DequantizeLinear after the Gather (the int8 exports, e.g.
 * all-minilm-l6-v2-q). Extending it (the field-token rows) keeps the storage: new rows of an 8-bit table
 * are quantized with the table's own scale and zero point, the existing bytes stay as they were.
 */
import { LarrError } from '../../../core/errors.ts';
import type { FloatWeight, OnnxGraph } from './onnx-graph.ts';

export interface WordTable {
  readonly name: string;
  readonly weight: FloatWeight;
  /** Writes `extended` (this table plus rows appended) back into `graph`. */
  write(graph: OnnxGraph, extended: FloatWeight): void;
}

export function readWordTable(graph: OnnxGraph): WordTable {
  const name = graph.gatherTableOf('input_ids');
  if (name === undefined) {
    throw new LarrError(
      'ONNX_MODEL_UNSUPPORTED',
      `${graph.source}: no Gather reads input_ids from an initializer; expected a BERT-style encoder`,
    );
  }
  if (graph.floatInitializerNames().includes(name)) {
    return { name, weight: graph.get(name), write: (target, extended) => target.set(name, extended) };
  }
  return readQuantizedTable(graph, name);
}

function readQuantizedTable(graph: OnnxGraph, name: string): WordTable {
  const [gathered] = graph.outputsOf('/embeddings/word_embeddings/Gather');
  const dequantize = gathered === undefined ? undefined : graph.consumerOf(gathered);
  const [, scaleName, zeroName] = dequantize?.inputs ?? [];
  if (dequantize?.opType !== 'DequantizeLinear' || scaleName === undefined) {
    throw new LarrError(
      'ONNX_MODEL_UNSUPPORTED',
      `${graph.source}: the word-embedding table ${name} is neither float32 nor dequantized after its Gather`,
    );
  }
  const scale = graph.scalar(scaleName);
  const zero = zeroName === undefined ? 0 : graph.scalar(zeroName);
  const { dataType, dims, bytes } = graph.getBytes(name);
  const signed = dataType === 3;
  const toNumber = (byte: number) => (signed && byte > 127 ? byte - 256 : byte);
  const values = Float32Array.from(bytes, (byte) => (toNumber(byte) - zero) * scale);
  const [low, high] = signed ? [-128, 127] : [0, 255];
  return {
    name,
    weight: { dims, values },
    write(target, extended) {
      const out = new Uint8Array(extended.values.length);
      out.set(bytes);
      for (let index = bytes.length; index < out.length; index += 1) {
        const quantized = Math.min(high, Math.max(low, Math.round(extended.values[index]! / scale) + zero));
        out[index] = quantized < 0 ? quantized + 256 : quantized;
      }
      target.setBytes(name, extended.dims, out);
    },
  };
}
