/**
 * Reading and rewriting the weights of an ONNX graph, so that training in tfjs and serving on onnxruntime
 * use one file: float initializers are read into plain arrays, replaced (same name, possibly new shape) and
 * the graph written back with everything else (nodes, opsets, metadata) untouched.
 */
import { readFile, writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { LarrError } from '../../../core/errors.ts';

const { onnx } = onnxProto;
/** TensorProto.DataType.FLOAT; the generated enum and the field's number type do not compare cleanly. */
const FLOAT: number = onnx.TensorProto.DataType.FLOAT;
const UINT8: number = onnx.TensorProto.DataType.UINT8;
const INT8: number = onnx.TensorProto.DataType.INT8;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** A float32 weight: row-major values and its shape. */
export interface FloatWeight {
  readonly dims: readonly number[];
  readonly values: Float32Array;
}

export class OnnxGraph {
  private constructor(
    private readonly model: ModelProto,
    readonly source: string,
  ) {}

  static async read(path: string): Promise<OnnxGraph> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new LarrError('ONNX_MODEL_UNREADABLE', `cannot read the ONNX model ${path}`, { cause: err });
    }
    return OnnxGraph.decode(bytes, path);
  }

  static decode(bytes: Uint8Array, source = '<bytes>'): OnnxGraph {
    try {
      const model = onnx.ModelProto.decode(bytes);
      if (model.graph === null || model.graph === undefined) throw new Error('the model has no graph');
      return new OnnxGraph(model, source);
    } catch (err) {
      throw new LarrError('ONNX_MODEL_INVALID', `${source} is not an ONNX model: ${String(err)}`, {
        cause: err,
      });
    }
  }

  /** Names of the float32 initializers, in graph order. */
  floatInitializerNames(): string[] {
    return this.initializers()
      .filter((tensor) => tensor.dataType === FLOAT)
      .map((tensor) => tensor.name);
  }

  has(name: string): boolean {
    return this.initializers().some((tensor) => tensor.name === name);
  }

  /** A float32 initializer's values (a copy). */
  get(name: string): FloatWeight {
    const tensor = this.find(name);
    if (tensor.dataType !== FLOAT) {
      throw new LarrError(
        'ONNX_WEIGHT_NOT_FLOAT',
        `${this.source}: initializer ${name} has data type ${tensor.dataType}, expected FLOAT (1)`,
      );
    }
    const dims = tensor.dims.map(Number);
    const count = dims.reduce((product, size) => product * size, 1);
    let values: Float32Array;
    if (tensor.rawData !== null && tensor.rawData !== undefined && tensor.rawData.length > 0) {
      // raw_data is little-endian float32; copy into an aligned buffer.
      const raw = tensor.rawData;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      values = new Float32Array(count);
      for (let index = 0; index < count; index += 1) values[index] = view.getFloat32(index * 4, true);
    } else {
      values = Float32Array.from(tensor.floatData);
    }
    if (values.length !== count) {
      throw new LarrError(
        'ONNX_WEIGHT_INVALID',
        `${this.source}: initializer ${name} holds ${values.length} values for shape [${dims.join(', ')}]`,
      );
    }
    return { dims, values };
  }

  /**
   * An 8-bit initializer as stored (data type 2 = UINT8 or 3 = INT8): its bytes and shape. The int8
   * exports keep the word-embedding table this way, with a per-tensor scale and zero point beside it.
   */
  getBytes(name: string): { dataType: number; dims: number[]; bytes: Uint8Array } {
    const tensor = this.find(name);
    if (tensor.dataType !== UINT8 && tensor.dataType !== INT8) {
      throw new LarrError(
        'ONNX_WEIGHT_INVALID',
        `${this.source}: initializer ${name} has data type ${tensor.dataType}, expected UINT8 (2) or INT8 (3)`,
      );
    }
    const dims = tensor.dims.map(Number);
    const raw = tensor.rawData ?? new Uint8Array(0);
    const bytes = raw.length > 0 ? Uint8Array.from(raw) : Uint8Array.from(tensor.int32Data ?? []);
    return { dataType: tensor.dataType ?? UINT8, dims, bytes };
  }

  /** Replaces an 8-bit initializer's bytes and shape (same data type). */
  setBytes(name: string, dims: readonly number[], bytes: Uint8Array): void {
    const tensor = this.find(name);
    tensor.dims = [...dims];
    tensor.int32Data = [];
    tensor.rawData = bytes;
  }

  /** A one-element initializer's number (float or integer): a scale or a zero point. */
  scalar(name: string): number {
    const value = firstValue(this.find(name));
    if (value === undefined) {
      throw new LarrError('ONNX_WEIGHT_INVALID', `${this.source}: initializer ${name} holds no value`);
    }
    return value;
  }

  /** The node that reads `value` (the first one), e.g. the DequantizeLinear after a quantized Gather. */
  consumerOf(value: string): { opType: string; inputs: string[] } | undefined {
    const node = (this.model.graph!.node ?? []).find((candidate) => (candidate.input ?? []).includes(value));
    return node === undefined ? undefined : { opType: node.opType ?? '', inputs: [...(node.input ?? [])] };
  }

  /** The outputs of the node called `name` (empty when there is none). */
  outputsOf(name: string): string[] {
    const node = (this.model.graph!.node ?? []).find((candidate) => candidate.name === name);
    return [...(node?.output ?? [])];
  }

  /** Replaces a float32 initializer's values and shape; the name and every node reading it stay. */
  set(name: string, weight: FloatWeight): void {
    const tensor = this.find(name);
    const count = weight.dims.reduce((product, size) => product * size, 1);
    if (count !== weight.values.length) {
      throw new LarrError(
        'ONNX_WEIGHT_INVALID',
        `new value of ${name}: ${weight.values.length} values for shape [${weight.dims.join(', ')}]`,
      );
    }
    const raw = new Uint8Array(count * 4);
    const view = new DataView(raw.buffer);
    for (let index = 0; index < count; index += 1) view.setFloat32(index * 4, weight.values[index]!, true);
    tensor.dataType = FLOAT;
    tensor.dims = [...weight.dims];
    tensor.floatData = [];
    tensor.rawData = raw;
  }

  /** The initializer a Gather node indexes with the graph input `input`, if any (an embedding table). */
  gatherTableOf(input: string): string | undefined {
    const names = new Set(this.initializers().map((tensor) => tensor.name));
    const gather = (this.model.graph!.node ?? []).find(
      (node) => node.opType === 'Gather' && node.input?.[1] === input && names.has(node.input?.[0] ?? ''),
    );
    return gather?.input?.[0] ?? undefined;
  }

  hasNode(name: string): boolean {
    return (this.model.graph!.node ?? []).some((node) => node.name === name);
  }

  /** The initializer names among the inputs of the node called `name` (empty when there is no such node). */
  initializerInputs(name: string): string[] {
    const names = new Set(this.initializers().map((tensor) => tensor.name));
    const node = (this.model.graph!.node ?? []).find((candidate) => candidate.name === name);
    return (node?.input ?? []).filter((input) => names.has(input));
  }

  /**
   * The float value of a node's one-element input that a Constant node or an initializer holds (e.g. the
   * attention scale of a Div), or undefined.
   */
  scalarInput(name: string): number | undefined {
    const nodes = this.model.graph!.node ?? [];
    const node = nodes.find((candidate) => candidate.name === name);
    for (const input of node?.input ?? []) {
      const constant = nodes.find(
        (candidate) => candidate.opType === 'Constant' && candidate.output?.[0] === input,
      );
      const tensor = constant?.attribute?.[0]?.t ?? this.initializers().find((t) => t.name === input);
      if (tensor === undefined || tensor === null || tensor.dataType !== FLOAT) continue;
      if (tensor.rawData?.length === 4 || tensor.floatData?.length === 1) return firstValue(tensor);
    }
    return undefined;
  }

  /** Adds `name` (an existing intermediate value) to the graph's outputs, e.g. a layer's hidden state. */
  addOutput(name: string): void {
    const graph = this.model.graph!;
    const outputs = (graph.output ??= []);
    if (outputs.some((output) => output.name === name)) return;
    if (!(graph.node ?? []).some((node) => (node.output ?? []).includes(name))) {
      throw new LarrError('ONNX_VALUE_UNKNOWN', `${this.source}: no node produces ${name}`);
    }
    outputs.push(onnx.ValueInfoProto.create({ name }));
  }

  encode(): Uint8Array {
    return onnx.ModelProto.encode(this.model).finish();
  }

  async write(path: string): Promise<void> {
    await writeFile(path, this.encode());
  }

  private initializers(): TensorProto[] {
    return this.model.graph!.initializer as TensorProto[];
  }

  private find(name: string): TensorProto {
    const tensor = this.initializers().find((candidate) => candidate.name === name);
    if (tensor === undefined) {
      throw new LarrError('ONNX_WEIGHT_MISSING', `${this.source} has no initializer named ${name}`);
    }
    return tensor;
  }
}

/** The first value of a float32, int8 or uint8 tensor (a scale, a zero point, a constant), if it has one. */
function firstValue(tensor: onnxProto.onnx.ITensorProto): number | undefined {
  const raw = tensor.rawData;
  if (raw !== null && raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (tensor.dataType === FLOAT) return view.getFloat32(0, true);
    return tensor.dataType === INT8 ? view.getInt8(0) : view.getUint8(0);
  }
  return (tensor.dataType === FLOAT ? tensor.floatData?.[0] : tensor.int32Data?.[0]) ?? undefined;
}
