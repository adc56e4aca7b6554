/**
 * Test fixture (not a test): a tiny "encoder" ONNX graph and a tiny WordPiece tokenizer.json, written by
 * hand. The graph's last_hidden_state is just the word-embedding rows of the input ids
 * (Gather(table, input_ids)), so mean pooling over it is easy to compute by hand.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { ModelRegistry } from '../../../../src/core/model-version.ts';
import {
  type EncoderFolder,
  prepareEncoderFolder,
} from '../../../../src/model/text-encoder/pretrained/encoder-folder.ts';
import { encoderVersion } from '../../../../src/model/text-encoder/pretrained/pretrained-embedder.ts';

const { onnx } = onnxProto;

export const TINY_VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'weather',
  'light',
  'rain',
  'time',
  'of',
  'day',
  'place',
  'kind',
  '[',
  ']',
  ',',
  'drizzle',
];
export const TINY_WIDTH = 4;

/** Row i of the table: [i, 1, -i/2, 0.25·i²], so every row differs. */
export function tinyTable(rows = TINY_VOCAB.length): Float32Array {
  const values = new Float32Array(rows * TINY_WIDTH);
  for (let i = 0; i < rows; i += 1) values.set([i, 1, -i / 2, 0.25 * i * i], i * TINY_WIDTH);
  return values;
}

export function tinyTokenizerJson(): Record<string, unknown> & { added_tokens: object[] } {
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      special(0, '[PAD]'),
      special(1, '[UNK]'),
      special(2, '[CLS]'),
      special(3, '[SEP]'),
      special(4, '[MASK]'),
    ],
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((token, id) => [token, id])),
    },
  };
}

/** The tiny graph: inputs input_ids, attention_mask, token_type_ids (int64 [b, t]); output last_hidden_state. */
export function tinyEncoderOnnx(table: Float32Array = tinyTable()): Uint8Array {
  const ids = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.INT64,
          shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'tokens' }] },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'larr-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-encoder',
      node: [
        {
          opType: 'Gather',
          name: '/embeddings/word_embeddings/Gather',
          input: ['embeddings.word_embeddings.weight', 'input_ids'],
          output: ['last_hidden_state'],
        },
      ],
      initializer: [
        {
          name: 'embeddings.word_embeddings.weight',
          dataType: onnx.TensorProto.DataType.FLOAT,
          dims: [table.length / TINY_WIDTH, TINY_WIDTH],
          rawData: new Uint8Array(table.buffer.slice(table.byteOffset, table.byteOffset + table.byteLength)),
        },
      ],
      input: [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')],
      output: [
        onnx.ValueInfoProto.create({
          name: 'last_hidden_state',
          type: {
            tensorType: {
              elemType: onnx.TensorProto.DataType.FLOAT,
              shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'tokens' }, { dimValue: TINY_WIDTH }] },
            },
          },
        }),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A folder with `model.onnx` and `tokenizer.json` of the tiny encoder. */
export async function writeTinyEncoderFolder(table?: Float32Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'larr-tiny-encoder-'));
  await writeFile(join(dir, 'model.onnx'), tinyEncoderOnnx(table));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  return dir;
}

/**
 * The tiny encoder with the field tokens added, as `larr train` writes an encoder folder (`<root>/fields/…`,
 * label `tiny`), and its content version: what a stage-2 output looks like. With `registry`, also registered
 * there as `larr train contrastive` registers its output (encoder-registration.ts: location = the folder).
 * Remove `root` after.
 */
export async function writeTinyFieldEncoderFolder(registry?: Pick<ModelRegistry, 'register'>): Promise<{
  root: string;
  folder: EncoderFolder;
  version: string;
}> {
  const root = await writeTinyEncoderFolder();
  const folder = await prepareEncoderFolder(
    { modelPath: join(root, 'model.onnx'), tokenizerPath: join(root, 'tokenizer.json'), label: 'tiny' },
    join(root, 'fields'),
  );
  const version = await encoderVersion(folder);
  await registry?.register({
    version,
    kind: 'embedding',
    config: { stage: 2, encoder: 'tiny' },
    location: folder.dir,
  });
  return { root, folder, version };
}

/**
 * The tiny graph with its table stored as uint8 (scale 0.5, zero point 100) and a DequantizeLinear after
 * the Gather, the way the int8 exports store the word embeddings. Row i holds (byte − 100) · 0.5.
 */
export function tinyQuantizedEncoderOnnx(bytes: Uint8Array): Uint8Array {
  const graph = onnx.ModelProto.decode(tinyEncoderOnnx());
  const g = graph.graph!;
  g.initializer = [
    {
      name: 'embeddings.word_embeddings.weight_quantized',
      dataType: onnx.TensorProto.DataType.UINT8,
      dims: [bytes.length / TINY_WIDTH, TINY_WIDTH],
      rawData: bytes,
    },
    { name: 'scale', dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [0.5] },
    { name: 'zero_point', dataType: onnx.TensorProto.DataType.UINT8, dims: [], int32Data: [100] },
  ];
  g.node = [
    {
      opType: 'Gather',
      name: '/embeddings/word_embeddings/Gather',
      input: ['embeddings.word_embeddings.weight_quantized', 'input_ids'],
      output: ['gathered_quantized'],
    },
    {
      opType: 'DequantizeLinear',
      name: '/embeddings/word_embeddings/Gather_output_0_DequantizeLinear',
      input: ['gathered_quantized', 'scale', 'zero_point'],
      output: ['last_hidden_state'],
    },
  ];
  return onnx.ModelProto.encode(graph).finish();
}
