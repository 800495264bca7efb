package dev.offload.benchmarks;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson3.Jackson3JsonMapper;
import org.slf4j.LoggerFactory;

import dev.offload.testsupport.TestDatabase;

/**
 * The peer of issue 16: JobRunr (open source) on the same PostgreSQL, in a database of
 * its own, measured in the same run as Offload. Each measurement runs in a JVM of its own
 * started by the suite with the services' heap ({@code -Xms512m -Xmx512m}), so its CPU
 * (the process's, JIT and GC included, as the suite counts the services') is JobRunr's
 * alone. The JVM prints one {@code RESULT key=value ...} line.
 * <p>
 * Arguments: the phase ({@code enqueue}, {@code process} or {@code latency}), the JDBC
 * URL, user, password, then {@code --seconds N}, {@code --warmup N}, {@code --threads N}
 * (enqueue), {@code --backlog N} (process), {@code --rate N} (latency) and
 * {@code --poll N} (seconds; 0 for JobRunr's default).
 */
public final class JobRunrPeer {

	/** Enqueue → start, in microseconds, of the jobs the latency phase measures. */
	private static final Histogram STARTED = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);

	/** Jobs of the latency phase started, warm-up included. */
	private static final LongAdder STARTED_COUNT = new LongAdder();

	private static volatile boolean recording;

	private JobRunrPeer() {
	}

	/** The no-op job. */
	public static void noop() {
	}

	/**
	 * The latency phase's job: records how long ago it was due to be enqueued.
	 * @param dueNanos {@link System#nanoTime()} when the enqueue was due (same JVM)
	 */
	public static void started(long dueNanos) {
		if (recording) {
			STARTED.recordValue(Math.min(STARTED.getHighestTrackableValue(), (System.nanoTime() - dueNanos) / 1000));
		}
		STARTED_COUNT.increment();
	}

	public static void main(String[] args) throws Exception {
		// No logback configuration on this classpath: its default logs DEBUG to the
		// console.
		((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
		List<String> arguments = List.of(args);
		String phase = args[0];
		int seconds = option(arguments, "--seconds", 10);
		int warmup = option(arguments, "--warmup", 5);
		int poll = option(arguments, "--poll", 0);
		HikariConfig pool = new HikariConfig();
		pool.setJdbcUrl(args[1]);
		pool.setUsername(args[2]);
		pool.setPassword(args[3]);
		pool.setPoolName("jobrunr");
		String result;
		try (HikariDataSource dataSource = new HikariDataSource(pool)) {
			result = switch (phase) {
				case "enqueue" -> enqueue(dataSource, option(arguments, "--threads", 32), warmup, seconds);
				case "process" -> process(dataSource, poll, option(arguments, "--backlog", 30_000), warmup, seconds);
				case "latency" -> latency(dataSource, poll, option(arguments, "--rate", 100), warmup, seconds);
				default -> throw new IllegalArgumentException("No phase " + phase);
			};
		}
		System.out.println("RESULT " + result);
		System.out.flush();
		// JobRunr's threads are not all daemons.
		System.exit(0);
	}

	/** Jobs/s enqueued from many threads, and the JVM's CPU per job. */
	private static String enqueue(DataSource dataSource, int threads, int warmup, int seconds) throws Exception {
		JobScheduler scheduler = configure(dataSource, null).getJobScheduler();
		LongAdder enqueued = new LongAdder();
		AtomicBoolean stop = new AtomicBoolean();
		ExecutorService clients = Executors.newFixedThreadPool(threads);
		for (int i = 0; i < threads; i++) {
			clients.execute(() -> {
				while (!stop.get()) {
					scheduler.enqueue(() -> JobRunrPeer.noop());
					enqueued.increment();
				}
			});
		}
		Pause.millis(warmup * 1000L);
		long jobs = enqueued.sum();
		long cpu = Tools.processCpuNanos();
		long start = System.nanoTime();
		Pause.millis(seconds * 1000L);
		long done = enqueued.sum() - jobs;
		long cpuUsed = Tools.processCpuNanos() - cpu;
		double elapsed = (System.nanoTime() - start) / 1e9;
		stop.set(true);
		clients.shutdown();
		clients.awaitTermination(30, TimeUnit.SECONDS);
		JobRunr.destroy();
		return format("throughput=%.1f cpu_ms_per_job=%.3f jobs=%d threads=%d", done / elapsed,
				cpuUsed / 1e6 / Math.max(1, done), done, threads);
	}

	/** No-op jobs/s processed by one BackgroundJobServer from a full backlog. */
	private static String process(DataSource dataSource, int poll, int backlog, int warmup, int seconds)
			throws Exception {
		JobRunrConfigurationResult jobRunr = configure(dataSource, serverConfiguration(poll));
		forgetServers(dataSource);
		topUp(dataSource, jobRunr, backlog);
		BackgroundJobServer server = jobRunr.getBackgroundJobServer();
		server.start();
		Pause.millis(warmup * 1000L);
		// Topped up again after the warm-up, before the count starts: on a fast machine
		// the warm-up alone can eat most of the backlog, and a backlog that runs out in
		// the counted seconds understates the rate.
		topUp(dataSource, jobRunr, backlog);
		long succeeded = succeeded(dataSource);
		long cpu = Tools.processCpuNanos();
		long start = System.nanoTime();
		Pause.millis(seconds * 1000L);
		long done = succeeded(dataSource) - succeeded;
		long cpuUsed = Tools.processCpuNanos() - cpu;
		double elapsed = (System.nanoTime() - start) / 1e9;
		long left = count(dataSource, "SELECT count(*) FROM jobrunr_jobs WHERE state = 'ENQUEUED'");
		int workers = server.getServerStatus().getWorkerPoolSize();
		int pollSeconds = server.getServerStatus().getPollIntervalInSeconds();
		JobRunr.destroy();
		return format("throughput=%.1f cpu_ms_per_job=%.3f jobs=%d workers=%d poll_s=%d left=%d", done / elapsed,
				cpuUsed / 1e6 / Math.max(1, done), done, workers, pollSeconds, left);
	}

	/** Enqueues no-op jobs until {@code backlog} are waiting. */
	private static void topUp(DataSource dataSource, JobRunrConfigurationResult jobRunr, int backlog) {
		long queued = count(dataSource, "SELECT count(*) FROM jobrunr_jobs WHERE state = 'ENQUEUED'");
		if (queued < backlog) {
			jobRunr.getJobScheduler().enqueue(LongStream.range(0, backlog - queued).boxed(), (i) -> JobRunrPeer.noop());
		}
	}

	/**
	 * Enqueue → start of jobs enqueued at a steady rate (open loop: each enqueue is due
	 * at its time, whether the previous ones returned or not; latency counts from then).
	 */
	private static String latency(DataSource dataSource, int poll, int rate, int warmup, int seconds) throws Exception {
		// Creates JobRunr's tables on a new database; the server starts below.
		JobRunrConfigurationResult jobRunr = configure(dataSource, serverConfiguration(poll));
		forgetServers(dataSource);
		execute(dataSource, "DELETE FROM jobrunr_jobs WHERE state <> 'SUCCEEDED'");
		BackgroundJobServer server = jobRunr.getBackgroundJobServer();
		server.start();
		int pollSeconds = server.getServerStatus().getPollIntervalInSeconds();
		ExecutorService enqueuers = Executors.newFixedThreadPool(8);
		JobScheduler scheduler = jobRunr.getJobScheduler();
		Duration settle = Duration.ofSeconds(2L * pollSeconds + 10);
		if (warmup > 0) {
			// Not recorded: the JIT compiling the enqueue and processing paths.
			await(offer(scheduler, enqueuers, rate, warmup), settle);
		}
		long before = STARTED_COUNT.sum();
		recording = true;
		long sent = offer(scheduler, enqueuers, rate, seconds);
		long missing = sent - (await(before + sent, settle) - before);
		enqueuers.shutdown();
		JobRunr.destroy();
		return format(
				"rate=%d requests=%d e2e_count=%d e2e_missing=%d e2e_p50=%.1f e2e_p99=%.1f e2e_max=%.1f poll_s=%d",
				rate, sent, STARTED.getTotalCount(), missing, STARTED.getValueAtPercentile(50) / 1000.0,
				STARTED.getValueAtPercentile(99) / 1000.0, STARTED.getMaxValue() / 1000.0, pollSeconds);
	}

	private static long offer(JobScheduler scheduler, ExecutorService enqueuers, int rate, int seconds) {
		long count = (long) rate * seconds;
		long interval = 1_000_000_000L / rate;
		long start = System.nanoTime();
		for (long i = 0; i < count; i++) {
			long due = start + i * interval;
			long wait = due - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
			enqueuers.execute(() -> scheduler.enqueue(() -> JobRunrPeer.started(due)));
		}
		return count;
	}

	/**
	 * Waits until so many jobs have started in all, or until the timeout.
	 * @return how many have started in all
	 */
	private static long await(long total, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline && STARTED_COUNT.sum() < total) {
			Pause.millis(100);
		}
		return STARTED_COUNT.sum();
	}

	private static JobRunrConfigurationResult configure(DataSource dataSource,
			BackgroundJobServerConfiguration server) {
		var configuration = JobRunr.configure()
			.useJsonMapper(new Jackson3JsonMapper())
			.useStorageProvider(new PostgresStorageProvider(dataSource));
		if (server != null) {
			// Started once the backlog is in place.
			configuration.useBackgroundJobServer(server, false);
		}
		return configuration.initialize();
	}

	/** JobRunr's defaults (workers from the CPU count), with a poll interval if given. */
	private static BackgroundJobServerConfiguration serverConfiguration(int pollSeconds) {
		BackgroundJobServerConfiguration configuration = BackgroundJobServerConfiguration
			.usingStandardBackgroundJobServerConfiguration();
		return (pollSeconds > 0) ? configuration.andPollInterval(Duration.ofSeconds(pollSeconds)) : configuration;
	}

	/**
	 * The servers of the previous phases' JVMs (ended without unannouncing): without this
	 * the new server would wait for them to time out before it became master.
	 */
	private static void forgetServers(DataSource dataSource) {
		execute(dataSource, "DELETE FROM jobrunr_backgroundjobservers");
	}

	private static long succeeded(DataSource dataSource) {
		return count(dataSource, "SELECT count(*) FROM jobrunr_jobs WHERE state = 'SUCCEEDED'");
	}

	private static long count(DataSource dataSource, String sql) {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	private static void execute(DataSource dataSource, String sql) {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not run " + sql, ex);
		}
	}

	private static int option(List<String> arguments, String name, int fallback) {
		int index = arguments.indexOf(name);
		return (index >= 0 && index + 1 < arguments.size()) ? Integer.parseInt(arguments.get(index + 1)) : fallback;
	}

	private static String format(String format, Object... values) {
		return String.format(Locale.ROOT, format, values);
	}

	/**
	 * Runs one phase in a JVM of its own on a database, from the suite.
	 * @param bench the run
	 * @param database the peer's database
	 * @param name a name for its log
	 * @param arguments the phase and its options (the database is added)
	 * @return its result line
	 */
	static LoadResult run(Bench bench, TestDatabase database, String name, List<String> arguments) {
		List<String> all = new ArrayList<>();
		all.add(arguments.get(0));
		all.add(database.jdbcUrl());
		all.add(database.username());
		all.add(database.password());
		all.addAll(arguments.subList(1, arguments.size()));
		try (JavaProcess process = JavaProcess.main(name, List.of("-Xms512m", "-Xmx512m"), JobRunrPeer.class, all, 0,
				bench.logs)) {
			return LoadResult.parse(process.awaitExit(Duration.ofMinutes(5)));
		}
	}

	/** What the suite says the peer is, for notes. */
	static String version() {
		String version = JobRunr.class.getPackage().getImplementationVersion();
		return "JobRunr " + ((version != null) ? version : "8.7.0") + " (open source, org.jobrunr:jobrunr)";
	}

}
