package dev.offload.worker.catalogue.orderexport;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Map;

import dev.offload.worker.catalogue.RecordingDocument;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Builds one order export in a JVM of its own, started by {@link OrderExportLargeTests}
 * with a small heap, and prints what it wrote: the row count, the sum of the amounts, the
 * heap limit and the most heap it used.
 * <p>
 * Arguments: JDBC URL, user name, password, first and last day.
 */
final class OrderExportInSmallHeap {

	private OrderExportInSmallHeap() {
	}

	public static void main(String[] args) {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(args[0], args[1], args[2]);
		OrderExportReport report = new OrderExportReport(ReportData.of(dataSource));
		RecordingDocument document = RecordingDocument.countingRows();
		report.build(ReportParameters.of(report.descriptor(), Map.of("from", args[3], "to", args[4])),
				ReportProgress.NONE, document);
		document.finish();
		RecordingDocument.Table lines = document.table("Order lines");
		long peakHeap = ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.map(MemoryPoolMXBean::getPeakUsage)
			.mapToLong((usage) -> usage.getUsed())
			.sum();
		System.out.println("rows=" + lines.rowCount());
		System.out.println("amount=" + lines.sum("Amount").toPlainString());
		System.out.println("maxHeap=" + Runtime.getRuntime().maxMemory());
		System.out.println("peakHeap=" + peakHeap);
	}

}
