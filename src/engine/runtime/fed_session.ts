import type { FedGraph } from '../graphs/layerwise/layer_graphs.js';
import type { FedWeight } from '../graphs/layerwise/fed_weights.js';
import type { WeightIndex } from '../weights/weight_index.js';
import { createModelSession, type ModelSessionOptions } from './model_session.js';
import type { GraphSession, HostTensor, SessionValue } from './session.js';
import type { WeightFeeder } from './weight_feeder.js';

/**
 * A session over a graph whose weights are inputs (graphs/layerwise): each run is fed the
 * weights of the layer it runs for by a WeightFeeder shared by the step's sessions (read from
 * the safetensors files, or kept in device memory where the provider allows).
 */
export class FedSession {
  private constructor(
    private readonly session: GraphSession,
    private readonly fed: readonly FedWeight[],
    private readonly weights: WeightIndex,
    private readonly feeder: WeightFeeder,
  ) {}

  /** `deviceOutputs`: outputs left on the device where the provider allows (GraphSession). */
  static async create(fg: FedGraph, weights: WeightIndex, feeder: WeightFeeder, opts: ModelSessionOptions, deviceOutputs?: readonly string[]): Promise<FedSession> {
    // No spinning: a step runs 2 · layers of these sessions in turn (SessionOptions.spinning).
    const session = await createModelSession(fg.graph, weights.dir, { ...opts, spinning: false }, deviceOutputs);
    return new FedSession(session, fg.fed, weights, feeder);
  }

  private async withWeights(layer: number, feeds: Record<string, SessionValue>): Promise<Record<string, SessionValue>> {
    const all: Record<string, SessionValue> = { ...feeds };
    for (const f of this.fed) {
      const name = f.tensor(layer);
      const info = this.weights.get(name, f.shape, f.perLayer ? `layer ${layer}` : undefined);
      all[f.input] = await this.feeder.feed(info, f.input);
    }
    return all;
  }

  /** Runs for layer `layer` (ignored by graphs with no per-layer weights); outputs on the host. */
  async run(layer: number, feeds: Record<string, SessionValue>): Promise<Record<string, HostTensor>> {
    return this.session.run(await this.withWeights(layer, feeds));
  }

  /** As run, with the session's device outputs left on the device. */
  async runDevice(layer: number, feeds: Record<string, SessionValue>): Promise<Record<string, SessionValue>> {
    return this.session.runDevice(await this.withWeights(layer, feeds));
  }

  /** Input slots this session's weights occupy in the stream. */
  get slots(): string[] {
    return this.fed.map((f) => f.input);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
