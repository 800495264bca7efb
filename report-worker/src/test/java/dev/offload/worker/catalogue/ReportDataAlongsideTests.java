package dev.offload.worker.catalogue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.worker.WorkerProperties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link ReportData#alongside}: a query on a connection of its own, in the report's
 * snapshot, or on the report's own connection when none is spare.
 */
class ReportDataAlongsideTests {

	private static SeededSales sales;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(10);
		sales.jdbc().sql("CREATE TABLE probe (n integer)").update();
		sales.jdbc().sql("INSERT INTO probe VALUES (1)").update();
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void itRunsOnAConnectionOfItsOwnInTheReportsSnapshot() {
		ReportData data = sales.reportData();
		AtomicReference<String> thread = new AtomicReference<>();
		long[] counts = new long[3];
		data.read(ReportProgress.NONE, (jdbc) -> {
			counts[0] = count(jdbc);
			// Committed after the report's snapshot was taken: the report does not see
			// it.
			// (another data source: sales.jdbc() would join the report's transaction)
			JdbcClient.create(dataSource()).sql("INSERT INTO probe VALUES (2)").update();
			ReportData.Alongside<Long> alongside = data.alongside(ReportProgress.NONE, (client) -> {
				thread.set(Thread.currentThread().getName());
				return count(client);
			});
			counts[1] = alongside.get();
			counts[2] = count(jdbc);
		});
		assertThat(thread.get()).startsWith("report-data-").isNotEqualTo(Thread.currentThread().getName());
		assertThat(counts[1]).isEqualTo(counts[0]).isEqualTo(counts[2]);
		assertThat(count(sales.jdbc())).isEqualTo(counts[0] + 1);
	}

	@Test
	void withNoConnectionToSpareItRunsAtOnceOnTheReportsConnection() {
		ReportData data = new ReportData(dataSource(), 0);
		AtomicReference<String> thread = new AtomicReference<>();
		AtomicReference<Integer> backend = new AtomicReference<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			int reports = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
			ReportData.Alongside<Integer> alongside = data.alongside(ReportProgress.NONE, (client) -> {
				thread.set(Thread.currentThread().getName());
				return client.sql("SELECT pg_backend_pid()").query(Integer.class).single();
			});
			assertThat(thread.get()).as("ran before alongside() returned").isNotNull();
			backend.set(reports);
			assertThat(alongside.get()).isEqualTo(reports);
		});
		assertThat(thread.get()).isEqualTo(Thread.currentThread().getName());
		assertThat(backend.get()).isNotNull();
	}

	@Test
	void aQueryRunOnTheReportsConnectionThrowsAtOnceAsItFailed() {
		ReportData data = new ReportData(dataSource(), 0);
		data.read(ReportProgress.NONE,
				(jdbc) -> assertThatExceptionOfType(BadSqlGrammarException.class)
					.isThrownBy(() -> data.alongside(ReportProgress.NONE,
							(client) -> client.sql("SELECT count(*) FROM no_such_table").query(Long.class).single()))
					.withMessageContaining("no_such_table"));
	}

	@Test
	void theWorkerSparesWhatItsPoolHasBeyondAConnectionPerConsumerAndOneForTheHealthCheck() {
		WorkerProperties worker = new Binder(new MapConfigurationPropertySource(
				Map.of("offload.worker.concurrency", "2", "offload.worker.bulk-concurrency", "3")))
			.bindOrCreate("offload.worker", WorkerProperties.class);
		for (int poolSize : List.of(5, 6, 7)) {
			try (HikariDataSource pool = pool(poolSize)) {
				ReportData data = new ReportDataConfiguration().reportData(pool, worker);
				AtomicReference<String> thread = new AtomicReference<>();
				data.read(ReportProgress.NONE, (jdbc) -> thread.set(threadOfACountAlongside(data)));
				if (poolSize <= 6) {
					assertThat(thread.get()).as("pool of %d", poolSize).isEqualTo(Thread.currentThread().getName());
				}
				else {
					assertThat(thread.get()).as("pool of %d", poolSize).startsWith("report-data-");
				}
			}
		}
	}

	@Test
	void itsFailureIsThrownByGetAsTheQueryThrewItAndItsConnectionIsSpareAgain() {
		ReportData data = sales.reportData();
		AtomicReference<String> second = new AtomicReference<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			ReportData.Alongside<Long> failing = data.alongside(ReportProgress.NONE,
					(client) -> client.sql("SELECT count(*) FROM no_such_table").query(Long.class).single());
			assertThatExceptionOfType(BadSqlGrammarException.class).isThrownBy(failing::get)
				.withMessageContaining("no_such_table");
			// The report's own connection is untouched, and the one connection to
			// spare is free for the next query alongside.
			assertThat(count(jdbc)).isPositive();
			second.set(threadOfACountAlongside(data));
		});
		assertThat(second.get()).startsWith("report-data-");
	}

	@Test
	void aSecondQueryWhileTheOneSpareConnectionIsTakenRunsOnTheReportsConnection() {
		ReportData data = sales.reportData();
		AtomicReference<String> second = new AtomicReference<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			ReportData.Alongside<String> first = data.alongside(ReportProgress.NONE,
					(client) -> client.sql("SELECT pg_sleep(0.3)::text").query(String.class).single());
			second.set(threadOfACountAlongside(data));
			first.get();
		});
		assertThat(second.get()).isEqualTo(Thread.currentThread().getName());
	}

	@Test
	void aQueryNoOneWaitsForIsCancelledWhenTheReportsReadEndsAndItsConnectionLeavesThePool() {
		try (HikariDataSource pool = pool(2)) {
			ReportData data = new ReportData(pool, 1);
			String marker = "alongside_" + UUID.randomUUID().toString().replace("-", "");
			data.read(ReportProgress.NONE, (jdbc) -> {
				data.alongside(ReportProgress.NONE,
						(client) -> client.sql("SELECT pg_sleep(60)::text AS " + marker).query(String.class).single());
				Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> running(marker) == 1);
				// The report fails (or is cancelled) before it asks for the result.
			});
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> running(marker) == 0);
			// Reports go on on the same pool, their queries alongside too: none of their
			// statements is hit by the cancel.
			for (int i = 0; i < 20; i++) {
				AtomicReference<String> thread = new AtomicReference<>();
				data.read(ReportProgress.NONE, (jdbc) -> {
					ReportData.Alongside<String> alongside = data.alongside(ReportProgress.NONE, (client) -> {
						thread.set(Thread.currentThread().getName());
						return client.sql("SELECT pg_sleep(0.01)::text").query(String.class).single();
					});
					assertThat(count(jdbc)).isPositive();
					alongside.get();
				});
				assertThat(thread.get()).startsWith("report-data-");
			}
		}
	}

	@Test
	void theReportsTimeLeftBoundsIt() {
		ReportData data = sales.reportData();
		ReportProgress nearlyOutOfTime = new ReportProgress() {

			@Override
			public void progress(int percent) {
			}

			@Override
			public Optional<Duration> timeLeft() {
				return Optional.of(Duration.ofMillis(200));
			}

		};
		data.read(ReportProgress.NONE, (jdbc) -> {
			ReportData.Alongside<String> sleeping = data.alongside(nearlyOutOfTime,
					(client) -> client.sql("SELECT pg_sleep(30)::text").query(String.class).single());
			assertThatExceptionOfType(DataAccessException.class).isThrownBy(sleeping::get)
				.havingRootCause()
				.isInstanceOf(PSQLException.class)
				.withMessageContaining("statement timeout");
		});
	}

	@Test
	void outsideAReportsReadItIsRefused() {
		ReportData data = sales.reportData();
		assertThatIllegalStateException()
			.isThrownBy(() -> data.alongside(ReportProgress.NONE, ReportDataAlongsideTests::count))
			.withMessageContaining("ReportData.read");
	}

	/** Counts alongside, in the current read: the thread the count ran on. */
	private static String threadOfACountAlongside(ReportData data) {
		AtomicReference<String> thread = new AtomicReference<>();
		data.alongside(ReportProgress.NONE, (client) -> {
			thread.set(Thread.currentThread().getName());
			return count(client);
		}).get();
		return thread.get();
	}

	private static long count(JdbcClient jdbc) {
		return jdbc.sql("SELECT count(*) FROM probe").query(Long.class).single();
	}

	private static long running(String marker) {
		return JdbcClient.create(dataSource())
			.sql("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE :query")
			.param("query", "%AS " + marker + "%")
			.query(Long.class)
			.single();
	}

	private static HikariDataSource pool(int size) {
		HikariDataSource pool = new HikariDataSource();
		pool.setJdbcUrl(sales.database().jdbcUrl());
		pool.setUsername(sales.database().username());
		pool.setPassword(sales.database().password());
		pool.setMaximumPoolSize(size);
		return pool;
	}

	private static DriverManagerDataSource dataSource() {
		return new DriverManagerDataSource(sales.database().jdbcUrl(), sales.database().username(),
				sales.database().password());
	}

}
