package dev.offload.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.offload.worker.catalogue.orderexport.OrderExportToFile;

/**
 * Figure 8 (issue 16, target 4; issue 11's {@code scripts/benchmark-large-export.sh} made
 * a figure of the suite): {@code ORDER_EXPORT} built by the worker's own report type and
 * writers into a file, in a JVM at {@code -Xmx256m}, beside {@code psql \copy} of the
 * same rows in the same order to a CSV file, in the same run on the suite's seeded sales
 * data. CSV over every seeded line; XLSX, about five times slower, over one year of them,
 * each against a {@code \copy} of its own rows. The ratio compares rates (lines per
 * second), so a smaller data set than issue 11's three million lines keeps the suite
 * short.
 */
final class LargeExport {

	private static final String SQL = """
			SELECT o.id, o.ordered_on, c.id, c.name, r.name, p.sku, p.name, p.category, l.quantity, l.unit_price,
			       l.quantity * l.unit_price
			  FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id
			  JOIN sales.regions r ON r.id = c.region_id
			  JOIN sales.order_lines l ON l.order_id = o.id JOIN sales.products p ON p.id = l.product_id
			 WHERE o.ordered_on BETWEEN DATE '%s' AND DATE '%s' ORDER BY o.ordered_on, o.id, l.line_no""";

	private LargeExport() {
	}

	static void run(Bench bench) {
		Path scratch = bench.logs.resolve("large-export");
		try {
			Files.createDirectories(scratch);
			measure(bench, scratch, "CSV", "2021-01-01", "2025-12-31", 0.8);
			measure(bench, scratch, "XLSX", "2024-01-01", "2024-12-31", 0.3);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		finally {
			for (String file : List.of("copy.csv", "export.csv", "export.xlsx")) {
				try {
					Files.deleteIfExists(scratch.resolve(file));
				}
				catch (IOException ex) {
					// Scratch files under target/.
				}
			}
		}
		bench.notes.put("Figure 8", "ORDER_EXPORT through the worker's OrderExportReport and format writers "
				+ "(benchmarks' OrderExportToFile, as scripts/benchmark-large-export.sh runs it) in a JVM of its own at "
				+ "-Xmx256m with SerialGC, into a file; time from the first query to the file closed, peak heap from the "
				+ "JVM's memory pools. Peer: `psql \\copy (the same SELECT, joins and order) TO file WITH (FORMAT csv, "
				+ "HEADER)`, timed around psql, run just before the export. Ratio: \\copy's time / the export's time "
				+ "for the same lines (above 1: Offload is faster). CSV covers every seeded line (2021–2025); XLSX one "
				+ "year (2024), to keep the suite short.");
	}

	private static void measure(Bench bench, Path scratch, String format, String from, String to, double target) {
		long lines = bench
			.queryLong("SELECT count(*) FROM sales.order_lines l JOIN sales.orders o ON o.id = l.order_id "
					+ "WHERE o.ordered_on BETWEEN DATE '%s' AND DATE '%s'".formatted(from, to));
		Path copy = scratch.resolve("copy.csv");
		long start = System.nanoTime();
		Tools.exec("large-export-copy-" + format.toLowerCase(),
				List.of("psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
						"\\copy (" + SQL.formatted(from, to).replace('\n', ' ') + ") TO '" + copy.toAbsolutePath()
								+ "' WITH (FORMAT csv, HEADER)",
						bench.database.name()),
				Duration.ofMinutes(10), bench.logs);
		double copySeconds = (System.nanoTime() - start) / 1e9;
		Path file = scratch.resolve("export." + format.toLowerCase());
		Path recording = bench.logs.resolve("large-export-" + format.toLowerCase() + ".jfr");
		String output;
		try (JavaProcess export = JavaProcess.main("large-export-" + format.toLowerCase(),
				List.of("-Xmx256m", "-XX:+UseSerialGC",
						"-XX:StartFlightRecording=dumponexit=true,filename=" + recording + ",settings="
								+ Profile.settings(bench)),
				OrderExportToFile.class, List.of(bench.database.jdbcUrl(), bench.database.username(),
						bench.database.password(), from, to, format, file.toAbsolutePath().toString()),
				0, bench.logs)) {
			output = export.awaitExit(Duration.ofMinutes(15));
		}
		Map<String, Double> values = new HashMap<>();
		output.lines().filter((line) -> line.matches("[a-zA-Z]+=[0-9]+")).forEach((line) -> {
			int equals = line.indexOf('=');
			values.put(line.substring(0, equals), Double.parseDouble(line.substring(equals + 1)));
		});
		double seconds = values.getOrDefault("millis", Double.NaN) / 1000;
		bench.notes.put("Figure 8 profile (ORDER_EXPORT %s, the export's JVM from start to exit)".formatted(format),
				Profile.topFrames(bench, recording));
		double ratio = copySeconds / seconds;
		bench.rows.add(new Row("8",
				"ORDER_EXPORT %s of %,d order lines (%s to %s), JVM at -Xmx256m".formatted(format, lines,
						from.substring(0, 4), to.substring(0, 4)),
				"%.1f s, %,.0f lines/s, peak heap %.0f MiB, file %,.0f bytes".formatted(seconds, lines / seconds,
						values.getOrDefault("peakHeap", Double.NaN) / 1024 / 1024,
						values.getOrDefault("bytes", Double.NaN)),
				"psql \\copy CSV %.1f s, %,.0f lines/s".formatted(copySeconds, lines / copySeconds),
				"%.2f".formatted(ratio), Row.issue16(4, ">= %.1f".formatted(target)), Row.met(ratio >= target)));
	}

}
