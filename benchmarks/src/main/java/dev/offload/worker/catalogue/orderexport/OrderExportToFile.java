package dev.offload.worker.catalogue.orderexport;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import dev.offload.model.ReportFormat;
import dev.offload.worker.catalogue.ReportData;
import dev.offload.worker.catalogue.ReportParameters;
import dev.offload.worker.catalogue.ReportProgress;
import dev.offload.worker.render.DocumentWriter;
import dev.offload.worker.render.FormatWriters;
import one.profiler.AsyncProfiler;
import org.postgresql.PGConnection;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Benchmark-only glue: builds {@code ORDER_EXPORT} with the worker's own report type and
 * writers into a file, in a JVM the benchmark starts with a small heap, and prints the
 * time, the file's size and the most heap it used. It lives in the report type's package,
 * on the benchmarks' classpath only; nothing here ships.
 * <p>
 * Arguments: JDBC URL, user, password, first day, last day, format, output file, and
 * optionally the run measured first at the latest (default 1) and, for the driver's copy
 * below, the export's query (the same rows in the same order). With more than one run,
 * the first is the cold one (a JVM that has compiled nothing yet); measuring starts with
 * the run after the first whose JIT compilers took under a tenth of the JVM's CPU, or
 * with the run given, as a running worker builds it, and goes on for
 * {@code -Doffload.bench.measured-runs} runs (default 1). The fastest of them is reported
 * ({@code runs} says which run it was): {@code coldMillis} and {@code millis}, with the
 * CPU the process, the building thread and the JIT compilers took during it, and when its
 * first line came ({@code firstLineMillis}: after PostgreSQL's join and sort, before
 * which no line can be written); every measured run's time is printed too. With
 * {@code -Doffload.bench.profile=FILE} async-profiler samples the measured runs' CPU
 * every millisecond into FILE (collapsed stacks). With
 * {@code -Doffload.bench.driver-copy=FILE} the JVM then also writes the same rows as CSV
 * through the PostgreSQL driver's {@code COPY ... TO STDOUT} straight into FILE,
 * untouched ({@code driverCopyMillis}): what any export through the driver costs before a
 * value is read.
 */
public final class OrderExportToFile {

	private OrderExportToFile() {
	}

	/**
	 * One measured export, printed for {@code LargeExport} as {@code name=value} lines.
	 *
	 * @param millis the export's wall time
	 * @param firstLineMillis until the report told its first progress, -1 if it told none
	 * @param cpuMillis the JVM's CPU meanwhile
	 * @param threadCpuMillis the exporting thread's CPU meanwhile
	 * @param compileMillis the JIT compilers' time meanwhile
	 * @param runs the exports this JVM had run by then, this one included
	 */
	private record MeasuredRun(long millis, long firstLineMillis, long cpuMillis, long threadCpuMillis,
			long compileMillis, int runs) {

		void print() {
			System.out.println("millis=" + this.millis);
			if (this.firstLineMillis >= 0) {
				System.out.println("firstLineMillis=" + this.firstLineMillis);
			}
			System.out.println("cpuMillis=" + this.cpuMillis);
			System.out.println("threadCpuMillis=" + this.threadCpuMillis);
			System.out.println("compileMillis=" + this.compileMillis);
			System.out.println("runs=" + this.runs);
		}

	}

	public static void main(String[] args) throws IOException, SQLException {
		DriverManagerDataSource dataSource = new DriverManagerDataSource(args[0], args[1], args[2]);
		OrderExportReport report = new OrderExportReport(ReportData.of(dataSource));
		ReportFormat format = ReportFormat.valueOf(args[5]);
		Path file = Path.of(args[6]);
		int runs = (args.length > 7) ? Integer.parseInt(args[7]) : 1;
		int measuredRuns = Math.max(1, Integer.getInteger("offload.bench.measured-runs", 1));
		String profile = System.getProperty("offload.bench.profile");
		var threads = ManagementFactory.getThreadMXBean();
		var process = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		var compilation = ManagementFactory.getCompilationMXBean();
		MeasuredRun fastest = null;
		StringBuilder measuredMillis = new StringBuilder();
		AsyncProfiler profiler = null;
		boolean warm = false;
		int measured = 0;
		for (int run = 1; measured < measuredRuns; run++) {
			// Measured from the run after one that left the JIT compilers under a tenth
			// of
			// the JVM's CPU, as the suite warms up the services, or from the last run
			// allowed; then as many runs as asked, the fastest reported.
			boolean measuring = measured > 0 || run >= runs || (run > 1 && warm);
			if (measuring && measured == 0 && profile != null) {
				profiler = startProfiler();
			}
			long processCpu = process.getProcessCpuTime();
			long threadCpu = threads.getCurrentThreadCpuTime();
			long compiling = compilation.getTotalCompilationTime();
			long started = System.nanoTime();
			// The report tells its first progress with its first line.
			long[] firstLine = { 0 };
			build(report, format, args[3], args[4], file, (percent) -> {
				if (firstLine[0] == 0) {
					firstLine[0] = System.nanoTime();
				}
			});
			long millis = (System.nanoTime() - started) / 1_000_000;
			if (run == 1 && runs > 1) {
				System.out.println("coldMillis=" + millis);
			}
			long cpuMillis = (process.getProcessCpuTime() - processCpu) / 1_000_000;
			long compileMillis = compilation.getTotalCompilationTime() - compiling;
			warm = compileMillis < cpuMillis / 10;
			if (measuring) {
				measured++;
				measuredMillis.append((measuredMillis.length() > 0) ? ", " : "").append(millis);
				if (fastest == null || millis < fastest.millis()) {
					fastest = new MeasuredRun(millis, (firstLine[0] != 0) ? (firstLine[0] - started) / 1_000_000 : -1,
							cpuMillis, (threads.getCurrentThreadCpuTime() - threadCpu) / 1_000_000, compileMillis, run);
				}
			}
		}
		if (profiler != null) {
			try {
				profiler.execute("stop,collapsed,file=" + profile);
			}
			catch (IOException | RuntimeException ex) {
				System.out.println("async-profiler did not stop: " + ex);
			}
		}
		fastest.print();
		System.out.println("measuredRuns=" + measured);
		System.out.println("measured: " + measuredMillis);
		long peakHeap = ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.map(MemoryPoolMXBean::getPeakUsage)
			.mapToLong((usage) -> usage.getUsed())
			.sum();
		System.out.println("bytes=" + Files.size(file));
		System.out.println("maxHeap=" + Runtime.getRuntime().maxMemory());
		System.out.println("peakHeap=" + peakHeap);
		String driverCopy = System.getProperty("offload.bench.driver-copy");
		if (driverCopy != null) {
			driverCopy(dataSource, args[8], Path.of(driverCopy));
		}
	}

	private static void build(OrderExportReport report, ReportFormat format, String from, String to, Path file,
			ReportProgress progress) throws IOException {
		try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024)) {
			DocumentWriter document = new FormatWriters().open(format, out);
			report.build(ReportParameters.of(report.descriptor(), Map.of("from", from, "to", to)), progress, document);
			document.finish();
		}
	}

	/**
	 * Copies the rows of a query, as PostgreSQL writes them as CSV, through the driver
	 * into a file untouched, and prints how long it took ({@code driverCopyMillis}) and
	 * when its first row came ({@code driverFirstRowMillis}: after PostgreSQL's join and
	 * sort).
	 */
	private static void driverCopy(DriverManagerDataSource dataSource, String query, Path file)
			throws IOException, SQLException {
		long started = System.nanoTime();
		// The driver writes each of PostgreSQL's messages on its own: the header, sent
		// before the query runs, then one per row.
		long[] messages = { 0 };
		long[] firstRow = { 0 };
		try (Connection connection = dataSource.getConnection();
				OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 256 * 1024) {

					@Override
					public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
						if (++messages[0] == 2) {
							firstRow[0] = System.nanoTime();
						}
						super.write(bytes, offset, length);
					}

				}) {
			connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyOut("COPY (" + query + ") TO STDOUT WITH (FORMAT csv, HEADER)", out);
		}
		System.out.println("driverCopyMillis=" + (System.nanoTime() - started) / 1_000_000);
		if (firstRow[0] != 0) {
			System.out.println("driverFirstRowMillis=" + (firstRow[0] - started) / 1_000_000);
		}
	}

	/**
	 * Starts async-profiler (its library comes from its jar on the classpath), or says
	 * why not and goes on without it.
	 */
	private static AsyncProfiler startProfiler() {
		try {
			AsyncProfiler profiler = AsyncProfiler.getInstance();
			profiler.execute("start,event=cpu,interval=1ms");
			return profiler;
		}
		catch (IOException | RuntimeException | LinkageError ex) {
			System.out.println("async-profiler did not start: " + ex);
			return null;
		}
	}

}
