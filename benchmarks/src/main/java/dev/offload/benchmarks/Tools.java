package dev.offload.benchmarks;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.rabbitmq.perf.PerfTest;
import org.HdrHistogram.Histogram;

/**
 * The references, each run the way its authors intend, as a process of its own: RabbitMQ
 * PerfTest, pgbench and psql.
 */
final class Tools {

	private static final Pattern SENDING = Pattern.compile("sending rate avg: (\\d+) msg/s");

	private static final Pattern RECEIVING = Pattern.compile("receiving rate avg: (\\d+) msg/s");

	private static final Pattern CONSUMER_LATENCY = Pattern
		.compile("consumer latency min/median/75th/95th/99th (\\d+)/(\\d+)/(\\d+)/(\\d+)/(\\d+) µs");

	private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");

	private static final Pattern LATENCY_AVERAGE = Pattern.compile("latency average = ([0-9.]+) ms");

	private Tools() {
	}

	/**
	 * This JVM's CPU time so far, every thread.
	 * @return nanoseconds
	 */
	static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	/**
	 * Runs PerfTest against the local broker.
	 * @param name a name for its log
	 * @param arguments PerfTest's options (the broker's URI is added)
	 * @param logs the folder for its output
	 * @return what it measured, with RabbitMQ's CPU during the run
	 */
	static PerfTestResult perfTest(String name, List<String> arguments, Path logs) {
		List<String> all = new ArrayList<>(List.of("-h", "amqp://guest:guest@127.0.0.1:5672"));
		all.addAll(arguments);
		double rabbitBefore = Profile.rabbitCpuSeconds();
		String output = JavaProcess.run(name, PerfTest.class, all, Duration.ofMinutes(3), logs);
		double rabbitCpuSeconds = Profile.rabbitCpuSeconds() - rabbitBefore;
		Matcher latency = CONSUMER_LATENCY.matcher(output);
		boolean hasLatency = latency.find();
		return new PerfTestResult(number(SENDING, output), number(RECEIVING, output),
				hasLatency ? Long.parseLong(latency.group(2)) / 1000.0 : Double.NaN,
				hasLatency ? Long.parseLong(latency.group(5)) / 1000.0 : Double.NaN, rabbitCpuSeconds, arguments);
	}

	/**
	 * Runs pgbench with a custom script, no vacuum and no initialisation, its statements
	 * prepared once per connection ({@code -M prepared}), as the services' JDBC driver
	 * prepares those it runs again and again.
	 * @param name a name for its log
	 * @param database the database
	 * @param script the script's text
	 * @param clients concurrent clients
	 * @param seconds how long
	 * @param logs the folder for its output
	 * @return what it measured
	 */
	static PgbenchResult pgbench(String name, String database, String script, int clients, int seconds, Path logs) {
		return pgbench(name, database, script, clients, List.of("-T", Integer.toString(seconds)),
				Duration.ofSeconds(seconds + 60L), logs);
	}

	/**
	 * Runs pgbench with a custom script until each client has run it a number of times,
	 * prepared as {@link #pgbench} does, no vacuum and no initialisation, each
	 * transaction's latency logged ({@code -l}) so the result has its percentiles.
	 * @param name a name for its log
	 * @param database the database
	 * @param script the script's text
	 * @param clients concurrent clients
	 * @param transactions how many times each client runs the script
	 * @param logs the folder for its output
	 * @return what it measured, with {@link PgbenchResult#p50()} and
	 * {@link PgbenchResult#p99()}
	 */
	static PgbenchResult pgbenchTransactions(String name, String database, String script, int clients,
			long transactions, Path logs) {
		Path prefix = logs.resolve(name + "-transactions");
		// A failed earlier run's files would be counted as this run's.
		deleteTransactionLogs(prefix);
		try {
			PgbenchResult result = pgbench(name, database, script, clients,
					List.of("-t", Long.toString(transactions), "-l", "--log-prefix=" + prefix), Duration.ofMinutes(5),
					logs);
			Histogram latencies = transactionLatencies(prefix);
			if (latencies.getTotalCount() != clients * transactions) {
				throw new IllegalStateException(name + " logged " + latencies.getTotalCount() + " transactions, not "
						+ clients * transactions + ", under " + prefix);
			}
			return new PgbenchResult(result.tps(), latencies.getMean() / 1000,
					latencies.getValueAtPercentile(50) / 1000.0, latencies.getValueAtPercentile(99) / 1000.0);
		}
		finally {
			deleteTransactionLogs(prefix);
		}
	}

	/**
	 * The latencies pgbench's {@code -l} logged, in microseconds: its files are
	 * {@code prefix.<pid>} and {@code prefix.<pid>.<thread>}, a line per transaction
	 * whose third field is the transaction's time in microseconds ({@code failed} for a
	 * transaction that failed, which no accept may).
	 */
	private static Histogram transactionLatencies(Path prefix) {
		Histogram latencies = new Histogram(3);
		try {
			for (Path file : transactionLogs(prefix)) {
				for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
					String[] fields = line.strip().split(" ");
					if (fields.length < 3 || fields[2].isEmpty() || !fields[2].chars().allMatch(Character::isDigit)) {
						throw new IllegalStateException(
								"Not a committed pgbench transaction in " + file + " (a failed one?): " + line);
					}
					latencies.recordValue(Long.parseLong(fields[2]));
				}
			}
			return latencies;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void deleteTransactionLogs(Path prefix) {
		try {
			for (Path file : transactionLogs(prefix)) {
				Files.delete(file);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** pgbench's {@code -l} files under a prefix: {@code prefix.<pid>[.<thread>]}. */
	private static List<Path> transactionLogs(Path prefix) throws IOException {
		String stem = prefix.getFileName() + ".";
		try (var files = Files.list(prefix.getParent())) {
			return files.filter((file) -> file.getFileName().toString().startsWith(stem)).toList();
		}
	}

	private static PgbenchResult pgbench(String name, String database, String script, int clients, List<String> until,
			Duration timeout, Path logs) {
		try {
			Path file = logs.resolve(name + ".sql");
			Files.writeString(file, script);
			List<String> command = new ArrayList<>(List.of(pgbenchBinary(), "-h", "127.0.0.1", "-U", "postgres", "-n",
					"-M", "prepared", "-c", Integer.toString(clients), "-j", "2"));
			command.addAll(until);
			command.addAll(List.of("-f", file.toString(), database));
			String output = exec(name, command, timeout, logs);
			return new PgbenchResult(number(TPS, output), number(LATENCY_AVERAGE, output), Double.NaN, Double.NaN);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Times psql running one statement, its output thrown away.
	 * @param name a name for its log
	 * @param database the database
	 * @param sql the statement
	 * @param logs the folder for its output
	 * @return the wall time in seconds
	 */
	static double timedPsql(String name, String database, String sql, Path logs) {
		long start = System.nanoTime();
		exec(name, List.of("psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-o", "/dev/null", "-v",
				"ON_ERROR_STOP=1", "-c", sql, database), Duration.ofMinutes(5), logs);
		return (System.nanoTime() - start) / 1e9;
	}

	/**
	 * Whether a program is on the {@code PATH}.
	 * @param program its name
	 * @return {@code true} if an executable of that name is found
	 */
	static boolean onPath(String program) {
		return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
			.filter((directory) -> !directory.isEmpty())
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, program)));
	}

	/**
	 * The version line a program prints.
	 * @param command the command and its version option
	 * @return the first line of its output, or "unknown"
	 */
	static String version(String... command) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			process.waitFor(30, TimeUnit.SECONDS);
			return output.lines().findFirst().orElse("unknown").strip();
		}
		catch (IOException ex) {
			return "unknown";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "unknown";
		}
	}

	static String exec(String name, List<String> command, Duration timeout, Path logs) {
		try {
			Path log = logs.resolve(name + ".log");
			Map<String, String> environment = new HashMap<>();
			environment.put("PGUSER", "postgres");
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
			builder.environment().putAll(environment);
			Process process = builder.start();
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				throw new IllegalStateException(name + " did not finish within " + timeout + "; see " + log);
			}
			String output = Files.readString(log, StandardCharsets.UTF_8);
			if (process.exitValue() != 0) {
				throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + output);
			}
			return output;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static String pgbenchBinary() {
		return Files.isExecutable(Path.of("/usr/bin/pgbench")) ? "/usr/bin/pgbench" : "pgbench";
	}

	private static double number(Pattern pattern, String output) {
		Matcher matcher = pattern.matcher(output);
		double value = Double.NaN;
		while (matcher.find()) {
			// The last match is the summary line.
			value = Double.parseDouble(matcher.group(1));
		}
		return value;
	}

	/**
	 * What PerfTest measured.
	 *
	 * @param sendRate messages published per second
	 * @param receiveRate messages consumed per second
	 * @param latencyP50 publish to consume, p50, in ms
	 * @param latencyP99 publish to consume, p99, in ms
	 * @param rabbitCpuSeconds RabbitMQ's CPU (every {@code beam.smp}) while PerfTest ran,
	 * its start and stop included
	 * @param arguments PerfTest's options
	 */
	record PerfTestResult(double sendRate, double receiveRate, double latencyP50, double latencyP99,
			double rabbitCpuSeconds, List<String> arguments) {

		String command() {
			return "PerfTest " + String.join(" ", this.arguments);
		}

		/**
		 * RabbitMQ's CPU per message, in ms.
		 * @param messages the messages the run moved
		 * @return CPU ms per message
		 */
		double rabbitMillisPer(double messages) {
			return this.rabbitCpuSeconds * 1000 / messages;
		}

	}

	/**
	 * What pgbench measured.
	 *
	 * @param tps transactions per second
	 * @param latencyAverage the mean latency, ms (over the transactions logged, when each
	 * was)
	 * @param p50 the median latency, ms; NaN unless each transaction was logged
	 * @param p99 the 99th percentile latency, ms; NaN unless each transaction was logged
	 */
	record PgbenchResult(double tps, double latencyAverage, double p50, double p99) {

	}

}
