package dev.offload.worker.catalogue.salessummary;

import java.io.OutputStream;
import java.util.Map;

import javax.sql.DataSource;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.FormatWriters;

/**
 * Benchmark-only glue (figure 3's synchronous baseline): builds a sales summary with the
 * worker's own report type and writers, in the caller's thread. It lives in the report
 * type's package, on the benchmarks' classpath only, because the type is package-private;
 * nothing here ships.
 */
public final class SynchronousReports {

	private final SalesSummaryReport report;

	private final FormatWriters writers = new FormatWriters();

	public SynchronousReports(DataSource dataSource) {
		this.report = new SalesSummaryReport(ReportData.of(dataSource));
	}

	/**
	 * Builds a sales summary now.
	 * @param from the first day, ISO-8601
	 * @param to the last day, ISO-8601
	 * @param format the file format
	 * @return the file's size in bytes
	 */
	public long salesSummary(String from, String to, ReportFormat format) {
		CountingStream out = new CountingStream();
		DocumentWriter document = this.writers.open(format, out);
		this.report.build(ReportParameters.of(this.report.descriptor(), Map.of("from", from, "to", to)),
				ReportProgress.NONE, document);
		document.finish();
		return out.count;
	}

	private static final class CountingStream extends OutputStream {

		private long count;

		@Override
		public void write(int b) {
			this.count++;
		}

		@Override
		public void write(byte[] b, int off, int len) {
			this.count += len;
		}

	}

}
