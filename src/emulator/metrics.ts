/**
 * The emulator's Prometheus `/metrics`, named as vLLM's v1 engine names them
 * (vllm/v1/metrics/loggers.py): scheduler gauges, token and prefix-cache
 * counters, and latency histograms with vLLM's bucket bounds. Durations are
 * in MODEL seconds, i.e. as on the emulated hardware (clock time divided by
 * the time scale), so a scrape reads like one from the real box.
 * Labels: `model_name` only (vLLM adds `engine="0"`; scrapers match by name).
 */

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

/** vLLM's 1-2-5 token-count buckets up to `max`. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exponent = 0; ; exponent++) {
    for (const m of [1, 2, 5]) {
      const value = m * 10 ** exponent;
      if (value > max) return out;
      out.push(value);
    }
  }
}

/** A cumulative Prometheus histogram. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private total = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  /** Record `value` `times` times (O(buckets)). */
  observe(value: number, times = 1): void {
    if (!Number.isFinite(value) || times <= 0) return;
    this.sum += value * times;
    this.total += times;
    const at = this.bounds.findIndex((b) => value <= b);
    if (at >= 0) this.counts[at] = (this.counts[at] ?? 0) + times;
  }

  /** Exposition lines for `name{labels}`. */
  render(name: string, labels: string): string[] {
    const lines: string[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i] ?? 0;
      lines.push(`${name}_bucket{${labels},le="${formatNumber(bound)}"} ${cumulative.toFixed(1)}`);
    });
    lines.push(`${name}_bucket{${labels},le="+Inf"} ${this.total.toFixed(1)}`);
    lines.push(`${name}_count{${labels}} ${this.total.toFixed(1)}`);
    lines.push(`${name}_sum{${labels}} ${this.sum}`);
    return lines;
  }
}

/** One finished request, model seconds. */
export interface FinishedObservation {
  readonly reason: string;
  readonly promptTokens: number;
  readonly generationTokens: number;
  readonly ttftS: number;
  readonly e2eS: number;
  readonly queueS: number;
  readonly prefillS: number;
  readonly decodeS: number;
  /** Gaps between tokens; `{ value, times }` for a constant gap (the fixed model) to stay O(1). */
  readonly gapsS: readonly number[] | { readonly value: number; readonly times: number };
}

/** The live gauges at scrape time. */
export interface SchedulerGauges {
  readonly running: number;
  readonly waiting: number;
  readonly kvCacheUsage: number;
  readonly prefixQueries: number;
  readonly prefixHits: number;
}

/** Counters and histograms the server feeds. */
export class EmulatorMetrics {
  promptTokens = 0;
  generationTokens = 0;
  readonly finished: Record<string, number> = {};
  private readonly ttft = new Histogram(TTFT_BUCKETS);
  private readonly tpot = new Histogram(TPOT_BUCKETS);
  private readonly e2e = new Histogram(REQUEST_LATENCY_BUCKETS);
  private readonly queue = new Histogram(REQUEST_LATENCY_BUCKETS);
  private readonly prefill = new Histogram(REQUEST_LATENCY_BUCKETS);
  private readonly decode = new Histogram(REQUEST_LATENCY_BUCKETS);
  private readonly inference = new Histogram(REQUEST_LATENCY_BUCKETS);
  private readonly promptHist: Histogram;
  private readonly generationHist: Histogram;

  constructor(maxModelLen: number) {
    this.promptHist = new Histogram(buckets125(maxModelLen));
    this.generationHist = new Histogram(buckets125(maxModelLen));
  }

  /** A request was accepted for generation. */
  accepted(promptTokens: number): void {
    this.promptTokens += promptTokens;
  }

  /** A request produced every token. */
  observeFinished(o: FinishedObservation): void {
    this.generationTokens += o.generationTokens;
    this.finished[o.reason] = (this.finished[o.reason] ?? 0) + 1;
    this.ttft.observe(o.ttftS);
    this.e2e.observe(o.e2eS);
    this.queue.observe(o.queueS);
    this.prefill.observe(o.prefillS);
    this.decode.observe(o.decodeS);
    this.inference.observe(o.prefillS + o.decodeS);
    this.promptHist.observe(o.promptTokens);
    this.generationHist.observe(o.generationTokens);
    if (Array.isArray(o.gapsS)) for (const gap of o.gapsS as readonly number[]) this.tpot.observe(gap);
    else {
      const { value, times } = o.gapsS as { readonly value: number; readonly times: number };
      this.tpot.observe(value, times);
    }
  }

  /** The exposition text. */
  render(modelName: string, gauges: SchedulerGauges, header: string): string {
    const label = `model_name="${modelName.replace(/["\\]/g, '\\$&')}"`;
    const lines: string[] = [`# ${header}`];
    const metric = (name: string, type: string, help: string, body: readonly string[]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...body);
    };
    metric('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [`vllm:num_requests_running{${label}} ${gauges.running.toFixed(1)}`]);
    metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [`vllm:num_requests_waiting{${label}} ${gauges.waiting.toFixed(1)}`]);
    metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [`vllm:kv_cache_usage_perc{${label}} ${gauges.kvCacheUsage}`]);
    metric('vllm:prefix_cache_queries_total', 'counter', 'Prefix cache queries, in terms of number of queried tokens.', [
      `vllm:prefix_cache_queries_total{${label}} ${gauges.prefixQueries.toFixed(1)}`,
    ]);
    metric('vllm:prefix_cache_hits_total', 'counter', 'Prefix cache hits, in terms of number of cached tokens.', [
      `vllm:prefix_cache_hits_total{${label}} ${gauges.prefixHits.toFixed(1)}`,
    ]);
    metric('vllm:num_preemptions_total', 'counter', 'Cumulative number of preemption from the engine.', [`vllm:num_preemptions_total{${label}} 0.0`]);
    metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [`vllm:prompt_tokens_total{${label}} ${this.promptTokens.toFixed(1)}`]);
    metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [
      `vllm:generation_tokens_total{${label}} ${this.generationTokens.toFixed(1)}`,
    ]);
    metric(
      'vllm:request_success_total',
      'counter',
      'Count of successfully processed requests.',
      ['stop', 'length', 'tool_calls'].map((reason) => `vllm:request_success_total{finished_reason="${reason}",${label}} ${(this.finished[reason] ?? 0).toFixed(1)}`),
    );
    const histograms: Array<[string, string, Histogram]> = [
      ['vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', this.ttft],
      ['vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', this.tpot],
      ['vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', this.e2e],
      ['vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', this.queue],
      ['vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', this.inference],
      ['vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', this.prefill],
      ['vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', this.decode],
      ['vllm:request_prompt_tokens', 'Number of prefill tokens processed.', this.promptHist],
      ['vllm:request_generation_tokens', 'Number of generation tokens processed.', this.generationHist],
    ];
    for (const [name, help, histogram] of histograms) metric(name, 'histogram', help, histogram.render(name, label));
    return `${lines.join('\n')}\n`;
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
