package dev.offload.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;

/**
 * Runs the benchmark suite of issue 6 on this machine and writes {@code BENCHMARKS.md}
 * and the charts. Every figure is measured in the same run as its reference, so their
 * ratio holds on a shared, noisy machine. Arguments: {@code --root DIR} (the repository),
 * {@code --figures 1,2,...} (default: all), {@code --quick} (shorter runs, smaller data;
 * for trying the suite out, not for the record).
 */
public final class BenchmarkSuite {

	private BenchmarkSuite() {
	}

	public static void main(String[] args) throws IOException {
		List<String> arguments = Arrays.asList(args);
		Path root = Path.of(option(arguments, "--root", ".")).toAbsolutePath().normalize();
		boolean quick = arguments.contains("--quick");
		String all = "1,2,6,3,5,8,4,7";
		Set<String> figures = new LinkedHashSet<>(Arrays.asList(option(arguments, "--figures", all).split(",")));
		long started = System.nanoTime();
		// Some figures only, or a quick run, must not replace the committed full results.
		boolean whole = !quick && figures.containsAll(Arrays.asList(all.split(",")));
		String fallback = quick ? "benchmarks/target/quick"
				: whole ? "." : "benchmarks/target/figures-" + String.join("-", figures);
		Path output = Path.of(option(arguments, "--output", root.resolve(fallback).toString()))
			.toAbsolutePath()
			.normalize();
		Path charts = output.resolve("docs/benchmarks");
		try (Bench bench = new Bench(root, charts, quick)) {
			log("Database %s, topology prefix %s".formatted(bench.database.name(), bench.broker.topology().prefix()));
			bench.startApi();
			bench.offerCatalogue();
			int taskSize = taskSize(bench);
			for (String figure : figures) {
				long figureStart = System.nanoTime();
				log("Figure " + figure + " ...");
				// Other work on this machine may restart the local RabbitMQ's app
				// (fault-injection
				// tests do): a figure that fails is run once more from a clean backlog.
				int rows = bench.rows.size();
				bench.settleDatabase();
				for (int attempt = 1; attempt <= 2; attempt++) {
					try {
						runFigure(bench, figure, taskSize, root);
						break;
					}
					catch (RuntimeException ex) {
						log("Figure " + figure + " failed (attempt " + attempt + "): " + ex);
						bench.notes.put("Figure " + figure + " attempt " + attempt, "failed and was "
								+ ((attempt == 1) ? "run again" : "given up") + ": " + ex.getMessage());
						ex.printStackTrace();
						bench.rows.subList(rows, bench.rows.size()).clear();
						bench.stopWorkers();
						if (attempt == 2) {
							bench.rows.add(new Row(figure, "failed: " + ex.getMessage(), "", "", "", "", "NO"));
						}
						else {
							Pause.millis(5000);
							bench.clearBacklog();
						}
					}
				}
				log("Figure %s took %d s".formatted(figure, (System.nanoTime() - figureStart) / 1_000_000_000));
			}
			Duration took = Duration.ofNanos(System.nanoTime() - started);
			String table = Markdown.table(bench.rows);
			System.out.println();
			System.out.println(table);
			Path markdown = output.resolve("BENCHMARKS.md");
			Files.createDirectories(output);
			Files.writeString(markdown, Markdown.document(bench, table, took, root.relativize(charts)),
					StandardCharsets.UTF_8);
			log("Wrote %s and %d charts in %s (suite took %d s)".formatted(markdown, bench.chartFiles.size(), charts,
					took.toSeconds()));
		}
		System.exit(0);
	}

	private static void runFigure(Bench bench, String figure, int taskSize, Path root) {
		switch (figure) {
			case "1" -> AcceptPath.run(bench, taskSize);
			case "2" -> DispatchPath.run(bench, taskSize);
			case "6" -> EndToEndLatency.run(bench, taskSize);
			case "3" -> {
				seed(bench);
				CheapCallsUnderLoad.run(bench);
			}
			case "4" -> {
				seed(bench);
				Scaling.run(bench);
			}
			case "5" -> {
				seed(bench);
				BigReport.run(bench);
			}
			case "7" -> LargeFiles.run(bench, root);
			case "8" -> {
				seed(bench);
				LargeExport.run(bench);
			}
			default -> log("No figure " + figure);
		}
	}

	/**
	 * The size of a real NO_OP task as the relay publishes it, so PerfTest sends messages
	 * of the same size.
	 */
	private static int taskSize(Bench bench) {
		String body = Bench.NO_OP_BODY;
		bench.load("load-probe", List.of("closed", "--url", bench.apiUrl("/api/reports"), "--method", "POST", "--body",
				body, "--concurrency", "1", "--seconds", "1"));
		bench.awaitPublished(Duration.ofSeconds(30));
		try (com.rabbitmq.client.Connection connection = bench.broker.connectionFactory().newConnection();
				Channel channel = connection.createChannel()) {
			GetResponse message = channel.basicGet(bench.broker.topology().generateQueue(), false);
			int size = (message != null) ? message.getBody().length : 400;
			if (message != null) {
				channel.basicNack(message.getEnvelope().getDeliveryTag(), false, true);
			}
			log("A NO_OP task is %d bytes".formatted(size));
			return size;
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not read a task's size", ex);
		}
	}

	private static boolean seeded;

	/** Seeds the sales data once: about a million order lines, fewer in quick mode. */
	private static void seed(Bench bench) {
		if (!seeded) {
			int orders = bench.quick ? 50_000 : 333_334;
			long start = System.nanoTime();
			bench.seed(orders);
			seeded = true;
			log("Seeded %d orders, %d order lines in %d s".formatted(orders,
					bench.queryLong("SELECT count(*) FROM sales.order_lines"),
					(System.nanoTime() - start) / 1_000_000_000));
		}
	}

	static void log(String message) {
		System.out.println(ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_TIME) + " " + message);
	}

	private static String option(List<String> arguments, String name, String fallback) {
		int index = arguments.indexOf(name);
		return (index >= 0 && index + 1 < arguments.size()) ? arguments.get(index + 1) : fallback;
	}

}
