package dev.offload.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Figure 4: completed CPU-heavy reports per second with 1, 2 and 4 worker processes, and
 * a mixed backlog (10% of reports 20× longer) over 3 workers with prefetch 1 and with
 * prefetch 100 (the most report-worker accepts; the 250 is refused): makespan
 * against the best schedule of the same reports.
 */
final class Scaling {

	private static final int[] WORKERS = { 1, 2, 4 };

	private static final String SIX_MONTHS = "{\"from\":\"2024-01-01\",\"to\":\"2024-06-30\"}";

	private static final String ONE_MONTH = "{\"from\":\"2024-03-01\",\"to\":\"2024-03-31\"}";

	private static final String TWENTY_MONTHS = "{\"from\":\"2023-01-01\",\"to\":\"2024-08-31\"}";

	private Scaling() {
	}

	static void run(Bench bench) {
		scaling(bench);
		fairness(bench);
	}

	private static void scaling(Bench bench) {
		int seconds = bench.quick ? 6 : 10;
		List<Double> rates = new ArrayList<>();
		List<String> categories = new ArrayList<>();
		int running = 0;
		JavaProcess first = null;
		for (int workers : WORKERS) {
			bench.clearBacklog();
			// Workers are added to those already running (and warm), which saves JVM
			// starts.
			List<JavaProcess> started = startWorkers(bench, "worker-scaling-" + workers, workers - running, 1);
			first = (first != null) ? first : started.get(0);
			running = workers;
			bench.insertQueued(bench.quick ? 300 : 600, "SALES_SUMMARY", "CSV", SIX_MONTHS);
			// Reports built while fresh JVMs compile their hot code are not counted.
			Pause.millis(8000);
			Profile profile = Profile.start(bench, "scaling-" + workers, first, seconds);
			long before = built(bench);
			long start = System.nanoTime();
			Pause.millis(seconds * 1000L);
			long built = built(bench) - before;
			bench.notes.put("Figure 4 profile, %d worker%s (the first worker's CPU)".formatted(workers,
					workers == 1 ? "" : "s"), profile.summary(built));
			double rate = built / ((System.nanoTime() - start) / 1e9);
			long left = bench.queuedReports();
			rates.add(rate);
			categories.add(workers + (workers == 1 ? " worker" : " workers"));
			bench.rows.add(new Row("4",
					"heavy reports built per s, %d worker process%s".formatted(workers, workers == 1 ? "" : "es"),
					"%.2f/s%s".formatted(rate, left == 0 ? " (backlog ran out)" : ""),
					"1 worker %.2f/s".formatted(rates.get(0)), AcceptPath.ratio(rate, rates.get(0)), "", ""));
		}
		bench.stopWorkers();
		bench.clearBacklog();
		bench.notes.put("Figure 4 scaling", ("Each worker process runs 1 consumer (prefetch 1); heavy report: "
				+ "SALES_SUMMARY CSV over the first half of 2024 (%d order lines); built = SUCCEEDED during %d s, "
				+ "counted 8 s after the backlog was queued. The machine has %d cores, shared with api-service, "
				+ "PostgreSQL and RabbitMQ: the ceiling is the cores, not the queue.")
			.formatted(
					bench.queryLong("SELECT count(*) FROM sales.order_lines l JOIN sales.orders o ON o.id = "
							+ "l.order_id WHERE o.ordered_on BETWEEN DATE '2024-01-01' AND DATE '2024-06-30'"),
					seconds, Runtime.getRuntime().availableProcessors()));
		Charts.bars(bench, "figure-4-scaling.png", "Figure 4: heavy reports per second by worker processes",
				"worker processes (1 consumer each)", "reports per second", categories,
				Map.of("Offload workers (reports/s)", rates));
	}

	private static void fairness(Bench bench) {
		int shortReports = bench.quick ? 27 : 54;
		int longReports = bench.quick ? 3 : 6;
		Map<String, List<Double>> series = new LinkedHashMap<>();
		series.put("makespan (s)", new ArrayList<>());
		series.put("best schedule of the same reports (s)", new ArrayList<>());
		List<String> categories = new ArrayList<>();
		// The issue asks for 250 (Spring's default); report-worker refuses more than 100.
		for (int prefetch : new int[] { 1, 100 }) {
			bench.clearBacklog();
			startWorkers(bench, "worker-fairness-p" + prefetch, 3, prefetch);
			// Warm the three JVMs on a few short reports first.
			bench.insertQueued(9, "SALES_SUMMARY", "CSV", ONE_MONTH);
			awaitIdle(bench);
			String since = bench.queryString("SELECT now()::text");
			// One long report after every nine short ones, all queued at once.
			for (int i = 0; i < longReports; i++) {
				bench.insertQueued(shortReports / longReports, "SALES_SUMMARY", "CSV", ONE_MONTH);
				bench.insertQueued(1, "SALES_SUMMARY", "CSV", TWENTY_MONTHS);
			}
			awaitIdle(bench);
			bench.stopWorkers();
			String batch = "FROM reports WHERE created_at > '" + since + "'::timestamptz AND status = 'SUCCEEDED'";
			double makespan = bench
				.queryDouble("SELECT extract(epoch FROM max(finished_at) - min(started_at)) " + batch);
			double[] durations = Arrays
				.stream(bench
					.queryString("SELECT string_agg(extract(epoch FROM finished_at - started_at)::text, ',') " + batch)
					.split(","))
				.mapToDouble(Double::parseDouble)
				.toArray();
			double best = bestSchedule(durations, 3);
			series.get("makespan (s)").add(makespan);
			series.get("best schedule of the same reports (s)").add(best);
			categories.add("prefetch " + prefetch);
			bench.rows.add(new Row("4",
					"mixed backlog (%d short, %d 20× longer) over 3 workers, prefetch %d: makespan"
						.formatted(shortReports, longReports, prefetch),
					"%.1f s".formatted(makespan), "best schedule %.1f s".formatted(best),
					"%.2f".formatted(makespan / best), "", ""));
		}
		bench.clearBacklog();
		bench.notes.put("Figure 4 fairness", "Best schedule: the longest-first greedy schedule of the reports' own "
				+ "measured build times (claim to stored) on 3 workers, a close upper bound of the optimum. "
				+ "Prefetch 100 stands for the issue's 250: report-worker refuses more than 100. "
				+ "With a large prefetch RabbitMQ hands each consumer its share of the backlog at once and a worker "
				+ "that drew the long reports keeps them while the others idle; with prefetch 1 a free worker "
				+ "takes the next report.");
		Charts.bars(bench, "figure-4-fairness.png", "Figure 4: mixed backlog over 3 workers", "prefetch", "seconds",
				categories, series);
	}

	/**
	 * The makespan of the longest-processing-time-first schedule.
	 * @param durations the jobs
	 * @param machines the workers
	 * @return seconds
	 */
	static double bestSchedule(double[] durations, int machines) {
		double[] sorted = durations.clone();
		Arrays.sort(sorted);
		double[] load = new double[machines];
		for (int i = sorted.length - 1; i >= 0; i--) {
			int least = 0;
			for (int m = 1; m < machines; m++) {
				if (load[m] < load[least]) {
					least = m;
				}
			}
			load[least] += sorted[i];
		}
		return Arrays.stream(load).max().orElse(0);
	}

	private static List<JavaProcess> startWorkers(Bench bench, String name, int count, int prefetch) {
		List<CompletableFuture<JavaProcess>> starting = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String worker = name + "-" + i;
			starting.add(CompletableFuture.supplyAsync(() -> bench.startWorker(worker, List.of(),
					Map.of("offload.worker.concurrency", 1, "offload.worker.prefetch", prefetch,
							// report-worker checks that prefetch × (report timeout + 2 ×
							// confirm timeout)
							// stays under the broker's consumer_timeout (30 min); these
							// reports take seconds.
							"offload.worker.report-timeout", "10s", "offload.worker.publish-confirm-timeout", "2s"))));
		}
		return starting.stream().map(CompletableFuture::join).toList();
	}

	private static void awaitIdle(Bench bench) {
		bench.awaitPublished(Duration.ofMinutes(1));
		long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
		while (bench.queryLong("SELECT (SELECT count(*) FROM reports WHERE status = 'QUEUED') "
				+ "+ (SELECT count(*) FROM reports WHERE status = 'RUNNING')") > 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The backlog did not drain within 5 minutes");
			}
			Pause.millis(100);
		}
	}

	private static long built(Bench bench) {
		return bench.queryLong("SELECT count(*) FROM reports WHERE type = 'SALES_SUMMARY' AND status = 'SUCCEEDED'");
	}

}
