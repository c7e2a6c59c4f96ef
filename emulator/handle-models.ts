// GET /v1/models in each provider's list shape; vLLM lists LoRA adapters with parent/root.
// OpenAI: https://platform.openai.com/docs/api-reference/models/list
// vLLM: vllm/entrypoints/openai/serving_models.py (ModelCard: root, parent, max_model_len)
// Anthropic: https://docs.anthropic.com/en/api/models-list
import type { EmulatorContext } from './emulator-context.js';
import type { Exchange } from './exchange.js';
import { sendJsonReply } from './send-json.js';

const CREATED_SECONDS = 1715367049;
const VLLM_MAX_MODEL_LEN = 32768;

export async function handleModels(exchange: Exchange, context: EmulatorContext): Promise<void> {
  const { options } = context;
  const served = options.models ? [...options.models] : [options.baseModel];
  switch (options.kind) {
    case 'openai':
      return sendJsonReply(
        exchange,
        JSON.stringify({
          object: 'list',
          data: served.map((id) => ({
            id,
            object: 'model',
            created: CREATED_SECONDS,
            owned_by: 'system',
          })),
        }),
      );
    case 'vllm': {
      const base = options.baseModel;
      const card = (
        id: string,
        root: string,
        parent: string | null,
        maxModelLen: number | null,
      ): object => ({
        id,
        object: 'model',
        created: CREATED_SECONDS,
        owned_by: 'vllm',
        root,
        parent,
        max_model_len: maxModelLen,
        permission: [
          {
            id: `modelperm-${id}`,
            object: 'model_permission',
            created: CREATED_SECONDS,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: '*',
            group: null,
            is_blocking: false,
          },
        ],
      });
      const data = [
        ...served
          .filter((id) => !options.loraAdapters.includes(id))
          .map((id) => card(id, base, null, VLLM_MAX_MODEL_LEN)),
        ...options.loraAdapters.map((name) => card(name, `/adapters/${name}`, base, null)),
      ];
      return sendJsonReply(exchange, JSON.stringify({ object: 'list', data }));
    }
    case 'anthropic':
      return sendJsonReply(
        exchange,
        JSON.stringify({
          data: served.map((id) => ({
            type: 'model',
            id,
            display_name: id,
            created_at: new Date(CREATED_SECONDS * 1000).toISOString(),
          })),
          has_more: false,
          first_id: served[0] ?? null,
          last_id: served[served.length - 1] ?? null,
        }),
      );
    case 'bedrock':
      // bedrock-runtime has no model list (that is the separate control-plane API).
      exchange.response.writeHead(404, { 'content-type': 'application/json' });
      exchange.response.end(JSON.stringify({ message: 'Not Found' }));
      return;
  }
}
