import type { FedGraph } from '../graphs/layerwise/layer_graphs.js';
import type { FedWeight } from '../graphs/layerwise/fed_weights.js';
import type { WeightIndex } from '../weights/weight_index.js';
import type { WeightStream } from '../weights/weight_stream.js';
import { createModelSession, type ModelSessionOptions } from './model_session.js';
import type { GraphSession, HostTensor } from './session.js';

/**
 * A session over a graph whose weights are inputs (graphs/layerwise): each run reads the
 * weights of the layer it runs for from the safetensors files (through a shared WeightStream,
 * which keeps one tensor per input slot) and feeds them with the activations.
 */
export class FedSession {
  private constructor(
    private readonly session: GraphSession,
    private readonly fed: readonly FedWeight[],
    private readonly weights: WeightIndex,
    private readonly stream: WeightStream,
  ) {}

  static async create(fg: FedGraph, weights: WeightIndex, stream: WeightStream, opts: ModelSessionOptions): Promise<FedSession> {
    const session = await createModelSession(fg.graph, weights.dir, opts);
    return new FedSession(session, fg.fed, weights, stream);
  }

  /** Runs for layer `layer` (ignored by graphs with no per-layer weights). */
  async run(layer: number, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const all: Record<string, HostTensor> = { ...feeds };
    for (const f of this.fed) {
      const name = f.tensor(layer);
      const info = this.weights.get(name, f.shape, f.perLayer ? `layer ${layer}` : undefined);
      all[f.input] = this.stream.read(info, f.input);
    }
    return this.session.run(all);
  }

  /** Input slots this session's weights occupy in the stream. */
  get slots(): string[] {
    return this.fed.map((f) => f.input);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
