package dev.offload.worker.generation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;

import org.springframework.transaction.PlatformTransactionManager;

/**
 * Benchmark-only glue (figure 3's synchronous baseline): builds a sales summary with the
 * worker's own generator and writers, in the caller's thread. It lives in the worker's
 * package, on the benchmarks' classpath only, because those types are package-private;
 * nothing here ships.
 */
public final class SynchronousReports {

	private final SalesSummaryGenerator generator;

	public SynchronousReports(DataSource dataSource, PlatformTransactionManager transactionManager) {
		this.generator = new SalesSummaryGenerator(dataSource, transactionManager,
				List.of(new CsvReportWriter(), new PdfReportWriter()));
	}

	/**
	 * Builds a sales summary now.
	 * @param from the first day, ISO-8601
	 * @param to the last day, ISO-8601
	 * @param format the file format
	 * @return the file's size in bytes
	 */
	public long salesSummary(String from, String to, ReportFormat format) {
		ReportTask task = new ReportTask(UUID.randomUUID(), ReportType.SALES_SUMMARY, Map.of("from", from, "to", to),
				new Owner("baseline", "baseline@example.com"), Instant.now(), format);
		return this.generator.generate(task, ProgressListener.NONE).size();
	}

}
