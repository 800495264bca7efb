package dev.offload.worker.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Messages;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.model.Topology;
import dev.offload.testsupport.TestBroker;
import dev.offload.worker.Workers;
import dev.offload.worker.catalogue.testonly.PauseReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.core.MessageListenerContainer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker with a prefetch of 10 against real PostgreSQL, RabbitMQ and SMTP: the tasks a
 * consumer holds come to the pipeline together, quick reports are claimed ahead and
 * recorded together, and every task still ends as it would alone. Reports claimed in one
 * statement share their {@code started_at} (PostgreSQL's {@code now()} is the
 * transaction's start), and reports recorded in one transaction their
 * {@code finished_at}: that is how these tests see the batching.
 */
class BatchedTasksTests {

	private static final int SMTP_PORT = Workers.freePort();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-batch", "batch@example.com");

	private static PrefetchingWorker fixture;

	private static TestBroker broker;

	private static ConfigurableApplicationContext worker;

	private static JdbcClient jdbc;

	private static Topology topology;

	private static String events;

	@BeforeAll
	static void startWorker() {
		fixture = PrefetchingWorker.start(SMTP_PORT,
				// Ten prefetched reports must fit in the broker's consumer timeout.
				// Progress told every 100 ms, so a report of a run can report
				// progress before the run turns slow (250 ms).
				Map.of("offload.worker.prefetch", 10, "offload.worker.concurrency", 1, "offload.worker.report-timeout",
						"1m", "offload.worker.progress-interval", "100ms"));
		broker = fixture.broker();
		worker = fixture.context();
		jdbc = fixture.jdbc();
		topology = fixture.topology();
		events = fixture.events();
	}

	@AfterAll
	static void stopWorker() throws Exception {
		fixture.close();
	}

	@BeforeEach
	void learnThatTheTypesAreQuick() {
		// The worker claims ahead only types it has built quickly lately.
		ReportPipeline pipeline = worker.getBean(ReportPipeline.class);
		for (int i = 0; i < 100 && !(pipeline.claimsAhead("NO_OP") && pipeline.claimsAhead(PauseReport.NAME)); i++) {
			ReportTask noOp = noOp();
			ReportTask pause = pause(0);
			queue(noOp);
			queue(pause);
			awaitStatus(noOp, "SUCCEEDED");
			awaitStatus(pause, "SUCCEEDED");
		}
		assertThat(pipeline.claimsAhead("NO_OP") && pipeline.claimsAhead(PauseReport.NAME))
			.as("the worker claims both types ahead")
			.isTrue();
		fixture.purgeEvents();
	}

	@Test
	void aBacklogOfQuickReportsIsClaimedAndRecordedTogetherAndEachFinishedOnce() throws Exception {
		List<ReportTask> backlog = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			backlog.add(noOp());
		}
		whileConsumersAreStopped(backlog.size(), () -> backlog.forEach(BatchedTasksTests::queue));

		backlog.forEach((task) -> awaitStatus(task, "SUCCEEDED"));
		List<UUID> ids = backlog.stream().map(ReportTask::reportId).toList();
		assertThat(distinct("started_at", ids)).as("claims").isLessThan(backlog.size());
		assertThat(distinct("finished_at", ids)).as("recordings").isLessThan(backlog.size());
		assertThat(jdbc.sql("SELECT max(attempts) FROM reports WHERE id = ANY(:ids)")
			.param("ids", ids.toArray(new UUID[0]))
			.query(Integer.class)
			.single()).isEqualTo(1);
		Map<UUID, List<ReportEvent.Type>> events = eventsOf(ids);
		assertThat(events).hasSize(backlog.size());
		// Claimed ahead with others (one statement, one started_at) or alone, a quick
		// report goes from QUEUED to SUCCEEDED in its events.
		for (UUID id : ids) {
			assertThat(events.get(id)).as("events of %s, claimed at %s", id, startedAt(id))
				.containsExactly(ReportEvent.Type.SUCCEEDED);
		}
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sentEmails(ids)).isEqualTo(ids.size()));
		for (UUID id : ids) {
			assertThat(Workers.mailsAbout(greenMail, id)).as("mails about %s", id).isOne();
		}
		assertEverythingSettled();
	}

	@Test
	void everyTaskOfAMixedBatchEndsAsItWouldAlone() throws Exception {
		ReportTask first = noOp();
		ReportTask second = noOp();
		ReportTask unknown = noOp();
		ReportTask finished = noOp();
		queue(finished);
		awaitStatus(finished, "SUCCEEDED");
		ReportTask badParameters = new ReportTask(UUID.randomUUID(), PauseReport.NAME, Map.of("millis", "soon"), OWNER,
				Instant.now(), ReportFormat.CSV);
		Workers.insertQueuedReport(jdbc, badParameters);
		Workers.insertQueuedReport(jdbc, first);
		Workers.insertQueuedReport(jdbc, second);
		long deadLettersBefore = broker.messageCount(topology.generateDeadLetterQueue());
		worker.getBean(RabbitTemplate.class).execute((channel) -> channel.queuePurge(events));

		whileConsumersAreStopped(7, () -> {
			Workers.publish(worker, first);
			Workers.publish(worker, unknown);
			// Unreadable, between tasks that are acknowledged: it is dead-lettered, and
			// the one acknowledgement of the batch's others does not reach it.
			MessageProperties properties = new MessageProperties();
			properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
			properties.setHeader(Messages.SCHEMA_VERSION_HEADER, Messages.SCHEMA_VERSION);
			worker.getBean(RabbitTemplate.class)
				.send(topology.tasksExchange(), topology.generateRoutingKey(),
						new Message("{\"reportId\": ".getBytes(StandardCharsets.UTF_8), properties));
			Workers.publish(worker, badParameters);
			Workers.publish(worker, finished);
			Workers.publish(worker, second);
			// A duplicate (a relay that published twice): one report, one outcome.
			Workers.publish(worker, first);
		});

		awaitStatus(first, "SUCCEEDED");
		awaitStatus(second, "SUCCEEDED");
		awaitStatus(badParameters, "FAILED");
		// Claimed ahead together (the bad parameters' report too), the duplicate and the
		// rest one at a time.
		assertThat(distinct("started_at", List.of(first.reportId(), second.reportId(), badParameters.reportId())))
			.isOne();
		assertThat(jdbc.sql("SELECT error FROM reports WHERE id = :id")
			.param("id", badParameters.reportId())
			.query(String.class)
			.single()).contains("millis");
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(broker.messageCount(topology.generateDeadLetterQueue()))
				.isEqualTo(deadLettersBefore + 1));
		Map<UUID, Integer> succeeded = succeededEvents(List.of(first.reportId(), second.reportId()));
		assertThat(succeeded).containsEntry(first.reportId(), 1).containsEntry(second.reportId(), 1);
		assertEverythingSettled();
		assertThat(broker.messageCount(topology.generateDeadLetterQueue())).isEqualTo(deadLettersBefore + 1);
		List<UUID> mailed = List.of(first.reportId(), second.reportId(), badParameters.reportId(), finished.reportId());
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sentEmails(mailed)).isEqualTo(4));
		for (UUID id : mailed) {
			assertThat(Workers.mailsAbout(greenMail, id)).as("mails about %s", id).isOne();
		}
		assertThat(jdbc.sql("SELECT count(*) FROM reports WHERE id = :id")
			.param("id", unknown.reportId())
			.query(Long.class)
			.single()).isZero();
	}

	@Test
	void reportsClaimedAheadAreLetGoOfWhenTheRunTurnsSlow() throws Exception {
		ReportTask slow = pause(2 * ReportPipeline.QUICK_RUN.toMillis());
		List<ReportTask> after = List.of(pause(0), pause(0), pause(0));
		List<ReportTask> all = new ArrayList<>(List.of(slow));
		all.addAll(after);
		whileConsumersAreStopped(all.size(), () -> all.forEach(BatchedTasksTests::queue));

		all.forEach((task) -> awaitStatus(task, "SUCCEEDED"));
		// The slow one was built from the claim ahead; the ones after it were let go of
		// and each claimed again on its own.
		assertThat(attempts(slow)).isEqualTo(1);
		assertThat(after).allSatisfy((task) -> assertThat(attempts(task)).isEqualTo(2));
		assertThat(distinct("started_at", after.stream().map(ReportTask::reportId).toList())).isEqualTo(after.size());
		Map<UUID, List<ReportEvent.Type>> events = eventsOf(all.stream().map(ReportTask::reportId).toList());
		// The slow one announced that it was RUNNING before its progress; they, built on
		// their own, did as any report alone does.
		assertThat(events).hasSize(all.size()).allSatisfy((id, types) -> assertRanAndSucceeded(types));
		assertEverythingSettled();
	}

	@Test
	void aRunThatTurnsSlowAnnouncesTheReportsItHasNotRecordedAsRunning() throws Exception {
		ReportTask badParameters;
		ReportTask quick;
		ReportTask slow;
		List<UUID> ids;
		// The scenario needs the three claimed in one run that stays quick until the
		// slow one starts: on a busy machine failing the first can take longer than the
		// quick run (250 ms), and then the two behind it are let go of and claimed
		// again alone. Tried again with new reports then, a few times at most, once the
		// worker has again learnt that the type is quick (the slow report of a try made
		// it slow on average, and a slow type is not claimed ahead at all).
		int tries = 0;
		do {
			if (tries > 0) {
				learnThatTheTypesAreQuick();
			}
			badParameters = new ReportTask(UUID.randomUUID(), PauseReport.NAME, Map.of("millis", "soon"), OWNER,
					Instant.now(), ReportFormat.CSV);
			quick = pause(0);
			// Last of the run, so no report waits behind it to be let go of; it reports
			// progress before the run turns slow.
			slow = pause(3 * ReportPipeline.QUICK_RUN.toMillis());
			List<ReportTask> all = List.of(badParameters, quick, slow);
			whileConsumersAreStopped(all.size(), () -> all.forEach(BatchedTasksTests::queue));

			awaitStatus(badParameters, "FAILED");
			awaitStatus(quick, "SUCCEEDED");
			awaitStatus(slow, "SUCCEEDED");
			ids = all.stream().map(ReportTask::reportId).toList();
			tries++;
		}
		while (distinct("started_at", ids) != 1 && tries < 5);
		assertThat(distinct("started_at", ids)).as("claimed together").isOne();
		Map<UUID, List<ReportEvent.Type>> events = eventsOf(ids);
		// Failed before the run turned slow: its outcome came instead of RUNNING, and
		// nothing after it.
		assertThat(events.get(badParameters.reportId())).containsExactly(ReportEvent.Type.FAILED);
		// Built, and waiting for the slow one to be recorded with it.
		assertThat(events.get(quick.reportId())).containsExactly(ReportEvent.Type.RUNNING, ReportEvent.Type.SUCCEEDED);
		assertThat(events.get(slow.reportId())).contains(ReportEvent.Type.PROGRESS);
		assertRanAndSucceeded(events.get(slow.reportId()));
		assertEverythingSettled();
	}

	@Test
	void aReportThatTurnsOutSlowLetsGoOfTheReportsWaitingBehindItWhileItIsBuilt() throws Exception {
		ReportTask slow = pause(20 * ReportPipeline.QUICK_RUN.toMillis());
		List<ReportTask> after = List.of(pause(0), pause(0));
		List<ReportTask> all = new ArrayList<>(List.of(slow));
		all.addAll(after);
		whileConsumersAreStopped(all.size(), () -> all.forEach(BatchedTasksTests::queue));

		// Claimed together, then let go of while the slow one is still being built, so
		// they show as waiting, not running, behind it.
		await().atMost(Duration.ofSeconds(4))
			.untilAsserted(() -> assertThat(after).allSatisfy((task) -> assertThat(attempts(task)).isOne()));
		await().atMost(Duration.ofSeconds(4))
			.untilAsserted(() -> assertThat(after)
				.allSatisfy((task) -> assertThat(Workers.status(jdbc, task.reportId())).isEqualTo("QUEUED")));
		assertThat(Workers.status(jdbc, slow.reportId())).isEqualTo("RUNNING");

		all.forEach((task) -> awaitStatus(task, "SUCCEEDED"));
		assertThat(after).allSatisfy((task) -> assertThat(attempts(task)).isEqualTo(2));
		assertEverythingSettled();
	}

	private static void whileConsumersAreStopped(int tasks, Runnable work) {
		fixture.whileConsumerIsStopped(tasks, work);
	}

	/**
	 * Nothing left in the task queue, ready or unacknowledged (which a stop requeues).
	 */
	private static void assertEverythingSettled() {
		MessageListenerContainer container = fixture.container();
		container.stop();
		try {
			// A stopped consumer's unacknowledged tasks return to the queue shortly
			// after.
			await().during(Duration.ofSeconds(2))
				.atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(broker.messageCount(topology.generateQueue())).isZero());
		}
		finally {
			container.start();
		}
	}

	/** Counts the SUCCEEDED events of the reports, waiting a moment for duplicates. */
	private static Map<UUID, Integer> succeededEvents(List<UUID> reportIds) {
		Map<UUID, Integer> counts = new HashMap<>();
		eventsOf(reportIds).forEach((id, types) -> {
			int succeeded = (int) types.stream().filter((type) -> type == ReportEvent.Type.SUCCEEDED).count();
			if (succeeded > 0) {
				counts.put(id, succeeded);
			}
		});
		return counts;
	}

	/** RUNNING first, then only progress, then SUCCEEDED. */
	private static void assertRanAndSucceeded(List<ReportEvent.Type> types) {
		assertThat(types).first().isEqualTo(ReportEvent.Type.RUNNING);
		assertThat(types).filteredOn((type) -> type != ReportEvent.Type.PROGRESS)
			.containsExactly(ReportEvent.Type.RUNNING, ReportEvent.Type.SUCCEEDED);
	}

	/**
	 * The events of the reports, each report's in the order they came, once each has its
	 * outcome (SUCCEEDED or FAILED) and a second has passed without another (duplicates
	 * and strays).
	 */
	private static Map<UUID, List<ReportEvent.Type>> eventsOf(List<UUID> reportIds) {
		Map<UUID, List<ReportEvent.Type>> types = new HashMap<>();
		fixture.eventsOf(reportIds, 5000)
			.forEach((id, heard) -> types.put(id, heard.stream().map((each) -> each.event().type()).toList()));
		return types;
	}

	private static String startedAt(UUID id) {
		return jdbc.sql("SELECT started_at::text FROM reports WHERE id = :id")
			.param("id", id)
			.query(String.class)
			.single();
	}

	private static long distinct(String column, List<UUID> ids) {
		return fixture.distinct(column, ids);
	}

	private static long sentEmails(List<UUID> ids) {
		return jdbc.sql("SELECT count(*) FROM sent_emails WHERE status = 'SENT' AND report_id = ANY(:ids)")
			.param("ids", ids.toArray(new UUID[0]))
			.query(Long.class)
			.single();
	}

	private static int attempts(ReportTask task) {
		return jdbc.sql("SELECT attempts FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(Integer.class)
			.single();
	}

	private static void queue(ReportTask task) {
		fixture.queue(task);
	}

	private static void awaitStatus(ReportTask task, String status) {
		fixture.awaitStatus(task, status);
	}

	private static ReportTask noOp() {
		return new ReportTask(UUID.randomUUID(), "NO_OP", Map.of(), OWNER, Instant.now(), ReportFormat.CSV);
	}

	private static ReportTask pause(long millis) {
		return new ReportTask(UUID.randomUUID(), PauseReport.NAME, Map.of("millis", Long.toString(millis)), OWNER,
				Instant.now(), ReportFormat.CSV);
	}

}
