package dev.offload.worker.messaging;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportPriority;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import dev.offload.worker.Workers;
import dev.offload.worker.sales.SalesSeeder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The prefetch limit against a real broker: a worker holds no more tasks than it can
 * build, and workers share a backlog. Reports are held up deterministically by a lock the
 * test takes on the sales data, so "slow" never depends on timing.
 */
class TaskPrefetchTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Map<String, Object> ONE_AT_A_TIME = Map.of("offload.worker.prefetch", 1,
			"offload.worker.concurrency", 1, "offload.worker.bulk-concurrency", 1);

	private static TestDatabase database;

	private static TestBroker broker;

	private static JdbcClient jdbc;

	private final List<ConfigurableApplicationContext> workers = new ArrayList<>();

	@BeforeAll
	static void seedSales() {
		database = TestDatabase.create();
		broker = TestBroker.create();
	}

	@AfterEach
	void stopWorkers() {
		this.workers.forEach(ConfigurableApplicationContext::close);
	}

	@AfterAll
	static void cleanUp() throws Exception {
		Workers.stop(broker, database);
	}

	@Test
	void workerWithPrefetchOneHoldsOneTaskAndLeavesTheRestInTheQueue() throws Exception {
		ConfigurableApplicationContext worker = startWorker();
		worker.getBean(SalesSeeder.class).seed(1_000);
		Topology topology = worker.getBean(Topology.class);
		List<ReportTask> tasks = salesSummaries(4);

		try (Connection lock = lockSalesData()) {
			tasks.forEach((task) -> {
				Workers.insertQueuedReport(jdbc, task);
				Workers.publish(worker, task);
			});

			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(statusCount("RUNNING")).isEqualTo(1);
				assertThat(broker.messageCount(topology.generateQueue())).isEqualTo(3);
			});
			// The one report in hand is blocked; nothing more is delivered meanwhile.
			await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(statusCount("RUNNING")).isEqualTo(1);
				assertThat(statusCount("QUEUED")).isEqualTo(3);
				assertThat(broker.messageCount(topology.generateQueue())).isEqualTo(3);
			});
			lock.rollback();
		}

		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statusCount("SUCCEEDED")).isEqualTo(4));
		assertThat(broker.messageCount(topology.generateQueue())).isZero();
	}

	@Test
	void twoWorkersShareABacklog() throws Exception {
		ConfigurableApplicationContext first = startWorker();
		ConfigurableApplicationContext second = startWorker();
		// Enough data that every report takes a while, so whichever worker is free takes
		// the next task.
		first.getBean(SalesSeeder.class).seed(50_000);
		Topology topology = first.getBean(Topology.class);
		List<ReportTask> tasks = salesSummaries(10);

		try (Connection lock = lockSalesData()) {
			tasks.forEach((task) -> {
				Workers.insertQueuedReport(jdbc, task);
				Workers.publish(first, task);
			});

			// Each worker holds exactly one task; the other eight wait in the queue.
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(statusCount("RUNNING")).isEqualTo(2);
				assertThat(broker.messageCount(topology.generateQueue())).isEqualTo(8);
			});
			lock.rollback();
		}

		await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(statusCount("SUCCEEDED")).isEqualTo(10));
		double byFirst = generated(first);
		double bySecond = generated(second);
		assertThat(byFirst + bySecond).isEqualTo(10);
		assertThat(byFirst).as("reports built by the first worker").isBetween(4.0, 6.0);
		assertThat(bySecond).as("reports built by the second worker").isBetween(4.0, 6.0);
	}

	/**
	 * Interactive first: while the worker's bulk consumer is stuck on a month-end pile, a
	 * report someone just asked for is taken by the interactive consumer and finishes;
	 * the bulk tasks wait in their own queue and finish afterwards.
	 */
	@Test
	void anInteractiveReportIsBuiltWhileEveryBulkConsumerIsBusy() throws Exception {
		ConfigurableApplicationContext worker = startWorker();
		worker.getBean(SalesSeeder.class).seed(1_000);
		Topology topology = worker.getBean(Topology.class);
		List<ReportTask> bulk = salesSummaries(3).stream()
			.map((task) -> new ReportTask(task.reportId(), task.type(), task.parameters(), task.owner(),
					task.requestedAt(), task.format(), ReportPriority.BULK))
			.toList();
		ReportTask interactive = new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(),
				new Owner("someone", "someone@example.com"), Instant.now(), ReportFormat.CSV);

		try (Connection lock = lockSalesData()) {
			bulk.forEach((task) -> {
				Workers.insertQueuedReport(jdbc, task);
				Workers.publish(worker, task);
			});
			await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
				assertThat(statusCount("RUNNING")).isEqualTo(1);
				assertThat(broker.messageCount(topology.bulkQueue())).isEqualTo(2);
			});
			Workers.insertQueuedReport(jdbc, interactive);
			Workers.publish(worker, interactive);
			await().atMost(Duration.ofSeconds(20))
				.untilAsserted(() -> assertThat(Workers.status(jdbc, interactive.reportId())).isEqualTo("SUCCEEDED"));
			assertThat(statusCount("QUEUED")).isEqualTo(2);
			assertThat(broker.messageCount(topology.bulkQueue())).isEqualTo(2);
			lock.rollback();
		}

		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(statusCount("SUCCEEDED")).isEqualTo(4));
		assertThat(broker.messageCount(topology.bulkQueue())).isZero();
	}

	private ConfigurableApplicationContext startWorker() {
		ConfigurableApplicationContext worker = Workers.start(database, broker, SMTP_PORT, ONE_AT_A_TIME);
		this.workers.add(worker);
		jdbc = worker.getBean(JdbcClient.class);
		jdbc.sql("DELETE FROM reports").update();
		return worker;
	}

	/**
	 * Takes a lock that blocks every read of the order lines until the connection's
	 * transaction ends.
	 */
	private static Connection lockSalesData() throws SQLException {
		return database.holdingLock("sales.order_lines", "ACCESS EXCLUSIVE");
	}

	private static List<ReportTask> salesSummaries(int count) {
		List<ReportTask> tasks = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			tasks.add(
					new ReportTask(UUID.randomUUID(), "SALES_SUMMARY", Map.of("from", "2021-01-01", "to", "2025-12-31"),
							new Owner("user-" + i, "user" + i + "@example.com"), Instant.now(), ReportFormat.CSV));
		}
		return tasks;
	}

	private static long statusCount(String status) {
		return jdbc.sql("SELECT count(*) FROM reports WHERE status = :status")
			.param("status", status)
			.query(Long.class)
			.single();
	}

	private static double generated(ConfigurableApplicationContext worker) {
		return worker.getBean(MeterRegistry.class)
			.find("offload.reports.succeeded")
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

}
