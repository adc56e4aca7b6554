export interface RequestLimits {
  /** Bytes of a request body. */
  readonly maxBodyBytes: number;
  /** Texts in one request's `input`. */
  readonly maxInputs: number;
  /** Characters (UTF-16 code units) of one text. */
  readonly maxInputChars: number;
}

export interface EmbeddingsRequest {
  readonly model: string;
  readonly texts: readonly string[];
}

/** A client error, answered with `status` and OpenAI's error body naming `param`. */
export class RequestError extends Error {
  readonly status: number;
  readonly param: string | null;
  readonly errorCode: string | null;

  constructor(status: number, message: string, options: { param?: string; code?: string } = {}) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.param = options.param ?? null;
    this.errorCode = options.code ?? null;
  }
}

/**
 * Validates an OpenAI embeddings request body. Accepted: `model` (string, required), `input` (a string or
 * a non-empty array of strings; token-id arrays are refused), `encoding_format` (`float` only),
 * `dimensions` (only the model's own), `user` (ignored). Other fields are ignored, as OpenAI does.
 */
export function parseEmbeddingsRequest(
  body: string,
  limits: RequestLimits,
  dimension: number,
): EmbeddingsRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RequestError(400, 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RequestError(400, 'the request body must be a JSON object');
  }
  const fields = parsed as Record<string, unknown>;

  const { model } = fields;
  if (typeof model !== 'string' || model === '') {
    throw new RequestError(400, "'model' is required and must be a non-empty string", { param: 'model' });
  }

  const format = fields['encoding_format'];
  if (format !== undefined && format !== 'float') {
    throw new RequestError(400, `'encoding_format' ${JSON.stringify(format)} is not supported; use "float"`, {
      param: 'encoding_format',
    });
  }

  const dimensions = fields['dimensions'];
  if (dimensions !== undefined && dimensions !== dimension) {
    throw new RequestError(
      400,
      `'dimensions' must be ${dimension} (this model's dimension), got ${JSON.stringify(dimensions)}`,
      { param: 'dimensions' },
    );
  }

  const { input } = fields;
  let texts: string[];
  if (typeof input === 'string') {
    texts = [input];
  } else if (Array.isArray(input)) {
    if (input.length === 0)
      throw new RequestError(400, "'input' must not be an empty array", { param: 'input' });
    if (input.length > limits.maxInputs) {
      throw new RequestError(
        400,
        `'input' has ${input.length} texts, more than the limit of ${limits.maxInputs}`,
        {
          param: 'input',
        },
      );
    }
    const bad = input.findIndex((item) => typeof item !== 'string');
    if (bad >= 0) {
      const tokenIds = typeof input[bad] === 'number' || Array.isArray(input[bad]);
      throw new RequestError(
        400,
        tokenIds
          ? `'input[${bad}]': token-id input is not supported; send text`
          : `'input[${bad}]' must be a string, got ${typeof input[bad]}`,
        { param: `input[${bad}]` },
      );
    }
    texts = input as string[];
  } else {
    throw new RequestError(400, "'input' is required: a string or an array of strings", { param: 'input' });
  }
  for (const [index, text] of texts.entries()) {
    if (text.length > limits.maxInputChars) {
      const param = typeof input === 'string' ? 'input' : `input[${index}]`;
      throw new RequestError(
        400,
        `'${param}' has ${text.length} characters, more than the limit of ${limits.maxInputChars}`,
        { param },
      );
    }
  }
  return { model, texts };
}
