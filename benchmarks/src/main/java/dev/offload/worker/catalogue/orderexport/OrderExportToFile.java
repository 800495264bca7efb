package dev.offload.worker.catalogue.orderexport;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.FormatWriters;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Benchmark-only glue: builds one {@code ORDER_EXPORT} with the worker's own report type
 * and writers into a file, in a JVM the benchmark starts with a small heap, and prints
 * the time, the file's size and the most heap it used. It lives in the report type's
 * package, on the benchmarks' classpath only; nothing here ships.
 * <p>
 * Arguments: JDBC URL, user, password, first day, last day, format, output file.
 */
public final class OrderExportToFile {

	private OrderExportToFile() {
	}

	public static void main(String[] args) throws IOException {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(args[0], args[1], args[2]);
		OrderExportReport report = new OrderExportReport(ReportData.of(dataSource));
		ReportFormat format = ReportFormat.valueOf(args[5]);
		Path file = Path.of(args[6]);
		long started = System.nanoTime();
		try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024)) {
			DocumentWriter document = new FormatWriters().open(format, out);
			report.build(ReportParameters.of(report.descriptor(), Map.of("from", args[3], "to", args[4])),
					ReportProgress.NONE, document);
			document.finish();
		}
		long millis = (System.nanoTime() - started) / 1_000_000;
		long peakHeap = ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.map(MemoryPoolMXBean::getPeakUsage)
			.mapToLong((usage) -> usage.getUsed())
			.sum();
		System.out.println("millis=" + millis);
		System.out.println("bytes=" + Files.size(file));
		System.out.println("maxHeap=" + Runtime.getRuntime().maxMemory());
		System.out.println("peakHeap=" + peakHeap);
	}

}
