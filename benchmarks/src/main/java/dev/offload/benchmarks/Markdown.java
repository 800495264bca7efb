package dev.offload.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

import com.sun.management.OperatingSystemMXBean;

/**
 * BENCHMARKS.md: the machine, the versions, the table and the charts.
 */
final class Markdown {

	private Markdown() {
	}

	static String table(List<Row> rows) {
		StringBuilder table = new StringBuilder();
		table.append("| figure | measure | this system | reference | ratio | target | met |\n");
		table.append("| --- | --- | --- | --- | --- | --- | --- |\n");
		for (Row row : rows) {
			table.append("| %s | %s | %s | %s | %s | %s | %s |\n".formatted(row.figure(), row.measure(), row.system(),
					row.reference(), row.ratio(), row.target(), row.met()));
		}
		return table.toString();
	}

	static String document(Bench bench, String table, Duration took, Path charts) {
		OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
		StringBuilder md = new StringBuilder();
		md.append("# Benchmarks\n\n");
		md.append("Written by `scripts/benchmarks.sh` (the suite in `benchmarks/`, issue 6). Every figure is measured ")
			.append("in the same run beside its reference, and compared as a ratio: this machine is shared and noisy, ")
			.append("so absolute numbers move from run to run while ratios hold better. Issue 16's targets (CPU per ")
			.append("accepted request and per report, JobRunr beside the worker on the same PostgreSQL, end-to-end ")
			.append("latency, large exports beside psql) are rows with their target and whether it was met.\n\n");
		md.append("## Run\n\n");
		md.append("| | |\n| --- | --- |\n");
		md.append("| date | %s |\n"
			.formatted(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 16)
					+ " UTC"));
		md.append("| machine | %d cores, %.1f GiB memory, %s %s |\n".formatted(
				Runtime.getRuntime().availableProcessors(), os.getTotalMemorySize() / 1024.0 / 1024 / 1024,
				System.getProperty("os.name"), System.getProperty("os.version")));
		md.append(
				"| Java | %s %s |\n".formatted(System.getProperty("java.vm.name"), System.getProperty("java.version")));
		md.append("| RabbitMQ | %s |\n".formatted(Tools.version("rabbitmqctl", "version")));
		md.append("| PostgreSQL | %s |\n".formatted(Tools.version("psql", "-h", "127.0.0.1", "-U", "postgres", "-XtAc",
				"SHOW server_version", "postgres")));
		md.append("| PerfTest | com.rabbitmq:perf-test %s |\n"
			.formatted(packageVersion(com.rabbitmq.perf.PerfTest.class)));
		md.append("| pgbench | %s |\n".formatted(Tools.version("pgbench", "--version")));
		md.append("| peer job system | %s |\n".formatted(JobRunrPeer.version()));
		md.append("| SMTP sink | %s |\n".formatted(SmtpSink.version(bench.postfix())));
		md.append("| suite duration | %d s%s |\n\n".formatted(took.toSeconds(), bench.quick ? " (quick mode)" : ""));
		md.append("## Results\n\n").append(table).append('\n');
		md.append(issue16(bench.rows));
		md.append("A target not met is marked NO. What the profiles of this run show is the bottleneck:\n\n");
		for (Map.Entry<String, String> bottleneck : bench.bottlenecks.entrySet()) {
			md.append("- **").append(bottleneck.getKey()).append("**: ").append(bottleneck.getValue()).append('\n');
		}
		md.append('\n');
		md.append("## Notes\n\n");
		for (Map.Entry<String, String> note : bench.notes.entrySet()) {
			md.append("- **").append(note.getKey()).append("**: ").append(note.getValue()).append('\n');
		}
		md.append('\n');
		for (Map.Entry<String, String> listing : bench.listings.entrySet()) {
			md.append(listing.getKey()).append(":\n\n```sql\n").append(listing.getValue()).append("```\n\n");
		}
		md.append("## Charts\n\n");
		for (String chart : bench.chartFiles) {
			md.append("![%s](%s)\n\n".formatted(chart, charts.resolve(chart)));
		}
		return md.toString();
	}

	/**
	 * Issue 16's targets, from the rows that check them: each target with its rows, so a
	 * reader sees at once which are met and by what ratio.
	 */
	private static String issue16(List<Row> rows) {
		String[] targets = {
				"Accept: <= 1.0 ms of api-service CPU per accepted POST at 32 clients (relay included), "
						+ ">= 0.6 x pgbench running the same SQL, p99 <= 50 ms at 32 clients",
				"Dispatch: <= 1.0 ms of worker CPU per NO_OP report (events and email outbox included), NO_OP "
						+ "reports/s >= JobRunr's no-op jobs/s, default and shortest poll interval",
				"End to end: POST to SUCCEEDED at a steady 100 requests/s with the shipped worker settings, p50 "
						+ "<= 50 ms, p99 <= 250 ms; beside it JobRunr's enqueue to start at the same rate",
				"Large: ORDER_EXPORT CSV >= 0.8 x psql \\copy, XLSX >= 0.3 x, a 1 GB download with the API at "
						+ "-Xmx256m" };
		StringBuilder md = new StringBuilder("### Issue 16's targets\n\n");
		md.append("| target | figure | measure | this system | peer | ratio | condition | met |\n");
		md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
		for (int number = 1; number <= targets.length; number++) {
			boolean any = false;
			for (Row row : rows) {
				if (row.issue16Target() == number) {
					any = true;
					md.append("| %d | %s | %s | %s | %s | %s | %s | %s |\n".formatted(number, row.figure(),
							row.measure(), row.system(), row.reference(), row.ratio(),
							row.target().substring(0, row.target().length() - Row.ISSUE_16.formatted(number).length()),
							row.met()));
				}
			}
			if (!any) {
				md.append(
						"| %d | | %s | not measured in this run | | | | NO |\n".formatted(number, targets[number - 1]));
			}
		}
		return md.append('\n').toString();
	}

	private static String packageVersion(Class<?> type) {
		String version = type.getPackage().getImplementationVersion();
		return (version != null) ? version : "2.22.1";
	}

}
