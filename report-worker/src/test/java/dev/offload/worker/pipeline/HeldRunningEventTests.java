package dev.offload.worker.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import dev.offload.model.Owner;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportTask;
import dev.offload.worker.Workers;
import dev.offload.worker.catalogue.testonly.PauseReport;
import dev.offload.worker.pipeline.PrefetchingWorker.Heard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RUNNING event of a report of a type the worker has lately built quickly is held
 * back, whether the report came alone or was claimed ahead with others: a report finished
 * within {@link ReportPipeline#QUICK_RUN} of its claim goes from QUEUED to its outcome in
 * its events, and one still being built then announces that it is RUNNING at that moment,
 * even if it reports no progress (the worker here tells progress every 10 s only, and the
 * silent reports tell none). Against real PostgreSQL, RabbitMQ and SMTP; when an event
 * arrived is compared with the report's {@code finished_at} (the recording transaction's
 * start), both read on this machine's clock.
 */
class HeldRunningEventTests {

	private static final int SMTP_PORT = Workers.freePort();

	/**
	 * The silent reports' build: long enough that a RUNNING event held to its end shows.
	 */
	private static final long SLOW_MILLIS = 8 * ReportPipeline.QUICK_RUN.toMillis();

	@RegisterExtension
	static final GreenMailExtension greenMail = new GreenMailExtension(
			new ServerSetup(SMTP_PORT, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
		.withPerMethodLifecycle(false);

	private static final Owner OWNER = new Owner("user-held", "held@example.com");

	private static PrefetchingWorker fixture;

	@BeforeAll
	static void startWorker() {
		fixture = PrefetchingWorker.start(SMTP_PORT,
				// Prefetch above 1, so tasks queued together are claimed ahead together,
				// and a task queued alone still comes alone.
				Map.of("offload.worker.prefetch", 10, "offload.worker.concurrency", 1, "offload.worker.report-timeout",
						"1m", "offload.worker.progress-interval", "10s"));
	}

	@AfterAll
	static void stopWorker() throws Exception {
		fixture.close();
	}

	@BeforeEach
	void learnThatTheTypeIsQuick() {
		// A slow report of an earlier test made the type slow on average.
		ReportPipeline pipeline = fixture.context().getBean(ReportPipeline.class);
		for (int i = 0; i < 100 && !pipeline.claimsAhead(PauseReport.NAME); i++) {
			ReportTask pause = pause(0, "reported");
			fixture.queue(pause);
			fixture.awaitStatus(pause, "SUCCEEDED");
		}
		assertThat(pipeline.claimsAhead(PauseReport.NAME)).as("the type is quick").isTrue();
		fixture.purgeEvents();
	}

	@Test
	void aQuickReportAloneGoesFromQueuedToItsOutcomeInItsEvents() {
		List<ReportTask> quick = List.of(pause(0, "reported"), pause(0, "reported"), pause(0, "reported"),
				pause(0, "reported"), pause(0, "reported"));
		ReportTask badParameters = new ReportTask(UUID.randomUUID(), PauseReport.NAME, Map.of("millis", "soon"), OWNER,
				Instant.now(), ReportFormat.CSV);
		for (ReportTask task : quick) {
			fixture.queue(task);
			fixture.awaitStatus(task, "SUCCEEDED");
		}
		fixture.queue(badParameters);
		fixture.awaitStatus(badParameters, "FAILED");

		List<UUID> ids = new ArrayList<>(quick.stream().map(ReportTask::reportId).toList());
		ids.add(badParameters.reportId());
		Map<UUID, List<Heard>> heard = fixture.eventsOf(ids, 200);
		assertThat(claims(ids)).as("each claimed alone").isEqualTo(ids.size());
		// A report recorded well within the quick run of its claim never announced that
		// it was RUNNING. One that took longer (a machine busy enough to stall it) may
		// have, and tells nothing either way.
		int told = 0;
		for (ReportTask task : quick) {
			List<ReportEvent.Type> types = types(heard.get(task.reportId()));
			if (claimToRecord(task).compareTo(ReportPipeline.QUICK_RUN.dividedBy(2)) < 0) {
				assertThat(types).as("events of %s", task.reportId()).containsExactly(ReportEvent.Type.SUCCEEDED);
				told++;
			}
			else {
				assertThat(types).as("events of %s", task.reportId()).endsWith(ReportEvent.Type.SUCCEEDED);
			}
		}
		assertThat(told).as("reports recorded within half the quick run of their claim").isPositive();
		if (claimToRecord(badParameters).compareTo(ReportPipeline.QUICK_RUN.dividedBy(2)) < 0) {
			assertThat(types(heard.get(badParameters.reportId()))).containsExactly(ReportEvent.Type.FAILED);
		}
	}

	@Test
	void aQuickTypesReportAloneStillBeingBuiltAfterTheQuickRunAnnouncesThatItIsRunning() {
		ReportTask slow = pause(SLOW_MILLIS, "silent");
		fixture.queue(slow);

		// Heard as they come, while the report is built.
		List<Heard> heard = fixture.eventsOf(List.of(slow.reportId()), 200).get(slow.reportId());
		fixture.awaitStatus(slow, "SUCCEEDED");
		assertThat(types(heard)).containsExactly(ReportEvent.Type.RUNNING, ReportEvent.Type.SUCCEEDED);
		assertAnnouncedWhileBuilt(slow, heard.get(0));
	}

	@Test
	void reportsClaimedAheadStillUnrecordedAfterTheQuickRunAnnounceThatTheyAreRunningWithoutProgress() {
		List<ReportTask> all;
		List<UUID> ids;
		Map<UUID, List<Heard>> heard;
		// The scenario needs the two claimed in one run: on a busy machine building the
		// quick one can outlast the quick run, and then the slow one is let go of and
		// claimed again alone. Tried again with new reports then, a few times at most,
		// once the worker has learnt again that the type is quick.
		int tries = 0;
		do {
			if (tries > 0) {
				learnThatTheTypeIsQuick();
			}
			// The slow one last, so no report waits behind it to be let go of.
			all = List.of(pause(0, "reported"), pause(SLOW_MILLIS, "silent"));
			List<ReportTask> queued = all;
			fixture.whileConsumerIsStopped(all.size(), () -> queued.forEach(fixture::queue));
			ids = all.stream().map(ReportTask::reportId).toList();
			// Heard as they come, while the reports are built.
			heard = fixture.eventsOf(ids, 200);
			for (ReportTask task : all) {
				fixture.awaitStatus(task, "SUCCEEDED");
			}
			tries++;
		}
		while (claims(ids) != 1 && tries < 5);
		assertThat(claims(ids)).as("claimed together").isOne();
		// The quick one was built and waited to be recorded with the slow one.
		for (ReportTask task : all) {
			assertThat(types(heard.get(task.reportId()))).as("events of %s", task.reportId())
				.containsExactly(ReportEvent.Type.RUNNING, ReportEvent.Type.SUCCEEDED);
			assertAnnouncedWhileBuilt(task, heard.get(task.reportId()).get(0));
		}
	}

	/** How many claims the reports were taken in (each claim has its started_at). */
	private static long claims(List<UUID> ids) {
		return fixture.distinct("started_at", ids);
	}

	/** From the report's claim to its recording, in PostgreSQL's clock. */
	private static Duration claimToRecord(ReportTask task) {
		return fixture.jdbc()
			.sql("SELECT (extract(epoch FROM finished_at - started_at) * 1000000)::bigint FROM reports "
					+ "WHERE id = :id")
			.param("id", task.reportId())
			.query(Long.class)
			.optional()
			.map((micros) -> Duration.ofNanos(micros * 1000))
			.orElseThrow();
	}

	/**
	 * The RUNNING event arrived long before the report was recorded: while the slow
	 * report was still being built, not once it was done.
	 */
	private static void assertAnnouncedWhileBuilt(ReportTask task, Heard running) {
		assertThat(running.event().type()).isEqualTo(ReportEvent.Type.RUNNING);
		Instant finishedAt = fixture.jdbc()
			.sql("SELECT finished_at FROM reports WHERE id = :id")
			.param("id", task.reportId())
			.query(OffsetDateTime.class)
			.single()
			.toInstant();
		assertThat(Duration.between(running.arrived(), finishedAt))
			.as("RUNNING of %s heard at %s, recorded at %s", task.reportId(), running.arrived(), finishedAt)
			.isGreaterThan(Duration.ofMillis(SLOW_MILLIS / 2));
	}

	private static List<ReportEvent.Type> types(List<Heard> heard) {
		return heard.stream().map((each) -> each.event().type()).toList();
	}

	private static ReportTask pause(long millis, String progress) {
		return new ReportTask(UUID.randomUUID(), PauseReport.NAME,
				Map.of("millis", Long.toString(millis), "progress", progress), OWNER, Instant.now(), ReportFormat.CSV);
	}

}
