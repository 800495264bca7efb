package dev.offload.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Figure 3, the seed's argument measured: the p99 of a cheap call ({@code GET
 * /api/reports/{id}}, open loop at 50 requests/s) idle and while 200 heavy reports are
 * being built, for Offload (accepted at once, built by a worker) and for the synchronous
 * baseline that builds each report in its request thread.
 */
final class CheapCallsUnderLoad {

	static final int HEAVY_REPORTS = 200;

	static final String HEAVY_BODY = "{\"type\":\"SALES_SUMMARY\",\"format\":\"CSV\",\"parameters\":{\"from\":\"2024-01-01\",\"to\":\"2024-12-31\"}}";

	private CheapCallsUnderLoad() {
	}

	/**
	 * The core the worker is kept on in the main async measurement, standing for workers
	 * on nodes of their own: the API, PostgreSQL and the load client may use both cores.
	 */
	static final String WORKER_CORE = "1";

	/** The core the load client is kept on. */
	static final String CLIENT_CORE = "0";

	static void run(Bench bench) {
		int seconds = bench.quick ? 8 : 15;
		bench.clearBacklog();
		String id = bench.queryString("SELECT id FROM reports WHERE owner_id = 'bench00' LIMIT 1");
		String path = "/api/reports/" + id;

		// As deployed: the worker on a core of its own (its pod on other nodes), and the
		// database's work for it too (a database server with cores to spare). Both of its
		// pools are named, so the report data pool's backends, which run the reports'
		// queries, are pinned too; those queries run without parallel workers, which
		// PostgreSQL starts as processes of their own that no pin follows.
		bench.startWorker("worker-cheap-calls-own-core", onCores(WORKER_CORE), List.of(), Map
			.of("offload.report-data.hikari.data-source-properties.options", "-c max_parallel_workers_per_gather=0"));
		warmUp(bench, bench.apiUrl(path));
		// After the warm-up, when both pools have opened their connections.
		int pinned = onCores(WORKER_CORE).isEmpty() ? 0
				: bench.pinDatabaseBackends(Bench.WORKER_APPLICATION, WORKER_CORE);
		LoadResult asyncIdle = cheapCalls(bench, "async-idle", bench.apiUrl(path), seconds, null, null);
		Profile profile = Profile.start(bench, "cheap-calls-async", bench.api(), seconds + 15);
		LoadResult asyncLoaded = cheapCalls(bench, "async-loaded", bench.apiUrl(path), seconds,
				bench.apiUrl("/api/reports"), "async");
		bench.notes.put("Figure 3 profile (api-service, async, worker on its own core, 200 heavy reports)",
				profile.summary((long) asyncLoaded.number("requests")));
		String asyncBottleneck = profile.bottleneck("api-service", "GET");
		long asyncBuilt = built(bench);
		bench.stopWorkers();
		bench.clearBacklog();

		// Everything on the same 2 cores: the worker's report threads compete with the
		// API.
		bench.startWorker("worker-cheap-calls-shared", List.of(), Map.of());
		long builtBefore = built(bench);
		LoadResult sharedLoaded = cheapCalls(bench, "async-shared-loaded", bench.apiUrl(path), seconds,
				bench.apiUrl("/api/reports"), "async");
		long sharedBuilt = built(bench) - builtBefore;
		bench.stopWorkers();
		bench.clearBacklog();

		JavaProcess baseline = bench.startBaseline();
		String baselineUrl = baseline.baseUri().resolve(path).toString();
		warmUp(bench, baselineUrl);
		LoadResult syncIdle = cheapCalls(bench, "sync-idle", baselineUrl, seconds, null, null);
		LoadResult syncLoaded = cheapCalls(bench, "sync-loaded", baselineUrl, seconds,
				baseline.baseUri().resolve("/sync/reports").toString(), "sync");
		bench.stopWorkers();

		double asyncRatio = asyncLoaded.p99() / asyncIdle.p99();
		if (asyncRatio > 2.0) {
			bench.bottlenecks.put("Figure 3", "The API does little per GET; its p99 grows because it shares the "
					+ "machine with the worker's PostgreSQL queries and the load client. " + asyncBottleneck + ".");
		}
		bench.rows.add(new Row("3",
				"async, worker on a core of its own: p99 of GET /api/reports/{id} while %d heavy reports run"
					.formatted(HEAVY_REPORTS),
				"%.1f ms%s".formatted(asyncLoaded.p99(), errors(asyncLoaded)),
				"own idle p99 %.1f ms".formatted(asyncIdle.p99()), "%.2f".formatted(asyncRatio), "<= 2.0",
				Row.met(asyncRatio <= 2.0 && asyncLoaded.errors() == 0)));
		bench.rows.add(new Row("3",
				"async, worker sharing both cores with the API: p99 of the same GET while %d heavy reports run"
					.formatted(HEAVY_REPORTS),
				"%.1f ms%s".formatted(sharedLoaded.p99(), errors(sharedLoaded)),
				"own idle p99 %.1f ms".formatted(asyncIdle.p99()),
				"%.2f".formatted(sharedLoaded.p99() / asyncIdle.p99()), "shown", ""));
		bench.rows.add(new Row("3",
				"sync baseline: p99 of the same GET while %d heavy reports run in request threads"
					.formatted(HEAVY_REPORTS),
				"%.1f ms%s".formatted(syncLoaded.p99(), errors(syncLoaded)),
				"own idle p99 %.1f ms".formatted(syncIdle.p99()), "%.2f".formatted(syncLoaded.p99() / syncIdle.p99()),
				"shown", ""));
		bench.notes.put("Figure 3", ("GET load: open loop, 50 requests/s for %d s, latency from the moment each "
				+ "request was due. Heavy reports: %d × SALES_SUMMARY CSV over 2024 (%s order lines each), "
				+ "sent at once, 2 s before the GETs start. Async: api-service and one worker with the shipped "
				+ "settings (%s); each path warmed up first with a few thousand GETs. The target row keeps the "
				+ "worker and the %d PostgreSQL backends of its two pools (its pipeline's and its report "
				+ "data's, whose queries run without parallel workers there, since PostgreSQL starts those as "
				+ "processes no pin follows) on core %s with taskset, standing for the design's worker fleet "
				+ "on nodes of its own and a database "
				+ "server with cores to spare; the API, its own backends, RabbitMQ and the load client may use "
				+ "both cores; %d reports were built during its window. The shared row lets the worker use both "
				+ "cores too, as on one small machine with nothing separated; %d reports were built during its "
				+ "window. Sync baseline: a benchmark-only Spring "
				+ "Boot app (benchmarks/…/baseline) that builds the report with the worker's own generator in the "
				+ "request thread (Tomcat's 200 threads, Hikari's 10 connections) and serves the same row read "
				+ "(without HTTP Basic and without api-service's rate limit, whose token every async GET takes "
				+ "from PostgreSQL); its reports cannot be moved off the API's cores, which is the point. "
				+ "GET statuses async %s / %s / %s, sync %s / %s.")
			.formatted(seconds, HEAVY_REPORTS,
					bench.queryLong("SELECT count(*) FROM sales.order_lines l JOIN sales.orders o ON o.id = "
							+ "l.order_id WHERE o.ordered_on BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'"),
					bench.workerSettingsLabel(), pinned, WORKER_CORE, asyncBuilt, sharedBuilt, asyncIdle.statuses(),
					asyncLoaded.statuses(), sharedLoaded.statuses(), syncIdle.statuses(), syncLoaded.statuses()));

		Map<String, List<Double>> series = new LinkedHashMap<>();
		series.put("idle p99 (ms)", new ArrayList<>(List.of(asyncIdle.p99(), asyncIdle.p99(), syncIdle.p99())));
		series.put("p99 with 200 heavy reports (ms)",
				new ArrayList<>(List.of(asyncLoaded.p99(), sharedLoaded.p99(), syncLoaded.p99())));
		Charts.bars(bench, "figure-3-cheap-calls.png", "Figure 3: GET /api/reports/{id} p99, idle vs 200 heavy reports",
				"design", "milliseconds",
				List.of("Offload, worker on its own core", "Offload, worker sharing cores", "synchronous baseline"),
				series);
	}

	/**
	 * Thousands of the cheap call as fast as they go, so the JIT has compiled its path
	 * before any latency counts.
	 */
	private static void warmUp(Bench bench, String url) {
		bench.load("load-cheap-warmup", onCores(CLIENT_CORE),
				List.of("closed", "--url", url, "--method", "GET", "--concurrency", "4", "--seconds",
						bench.quick ? "4" : "8", "--users", Bench.user(0) + ":" + Bench.password(0)));
	}

	/**
	 * The launcher that keeps a process on some cores, or none on a machine with one core
	 * (nothing to separate there). The load client stands for users elsewhere: it is kept
	 * off the worker's core in every run of this figure, the baseline's too.
	 */
	private static List<String> onCores(String cores) {
		return (Runtime.getRuntime().availableProcessors() > 1) ? List.of("taskset", "-c", cores) : List.of();
	}

	private static LoadResult cheapCalls(Bench bench, String name, String url, int seconds, String heavyUrl,
			String heavyName) {
		List<String> arguments = new ArrayList<>(
				List.of("open", "--url", url, "--method", "GET", "--rate", "50", "--seconds", Integer.toString(seconds),
						"--warmup", "5", "--users", Bench.user(0) + ":" + Bench.password(0)));
		if (heavyUrl != null) {
			arguments.addAll(List.of("--heavy", Integer.toString(HEAVY_REPORTS), "--heavy-url", heavyUrl,
					"--heavy-body", HEAVY_BODY, "--heavy-settle-millis", "2000"));
		}
		return bench.load("load-cheap-" + name, onCores(CLIENT_CORE), arguments);
	}

	private static long built(Bench bench) {
		return bench.queryLong("SELECT count(*) FROM reports WHERE type = 'SALES_SUMMARY' AND status = 'SUCCEEDED'");
	}

	private static String errors(LoadResult result) {
		return (result.errors() > 0) ? ", %d errors".formatted(result.errors()) : "";
	}

}
