package dev.offload.api.schedule;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.offload.api.ApiApplication;
import dev.offload.model.Messages;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two api-service replicas on one database, both sweeping every 100 ms, with one clock
 * the test moves: each run of a schedule creates its report once, across a month end and
 * both daylight-saving changes; runs missed while no replica swept (the clock jumps three
 * hours at once, as after a stop) are caught up once, or skipped; a paused schedule
 * resumes without catching up. Besides the replicas' own sweeps, the tests sweep on both
 * replicas at once right when a run falls due.
 */
class ScheduleReplicasTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final SettableClock clock = new SettableClock();

	private static final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	/** Long enough for each replica to sweep several times. */
	private static final Duration SEVERAL_SWEEPS = Duration.ofMillis(700);

	private final HttpClient http = HttpClient.newHttpClient();

	private JdbcClient jdbc;

	@BeforeAll
	static void startTwoReplicas() {
		for (int i = 0; i < 2; i++) {
			List<String> arguments = new ArrayList<>(List.of("--server.port=0",
					"--offload.api.schedules.interval=100ms", "--offload.api.relay.interval=1h"));
			database.springProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
			broker.springProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
			replicas.add(new SpringApplicationBuilder(ApiApplication.class).initializers(clock.registrar())
				.run(arguments.toArray(String[]::new)));
		}
	}

	@AfterAll
	static void stopReplicas() {
		replicas.forEach(ConfigurableApplicationContext::close);
		broker.close();
		database.close();
	}

	@BeforeEach
	void noSchedules() {
		this.jdbc = replicas.get(0).getBean(JdbcClient.class);
		this.jdbc.sql("DELETE FROM report_schedules").update();
		this.jdbc.sql("DELETE FROM reports").update();
	}

	@Test
	void lastMonthsSalesSummaryOnTheFirstAt6BerlinIsCreatedOnceAcrossTheMonthEnd() throws Exception {
		clock.set("2026-11-30T12:00:00Z");
		JsonNode created = create(0, """
				{"name":"Sales last month","type":"SALES_SUMMARY","format":"PDF","period":"PREVIOUS_MONTH",
				 "rule":{"every":"MONTH","dayOfMonth":1,"at":"06:00"},"timeZone":"Europe/Berlin"}""");
		UUID id = UUID.fromString(created.get("id").asString());
		assertThat(created.get("nextRunAt").asString()).isEqualTo("2026-12-01T05:00:00Z");
		assertThat(created.at("/nextRunParameters/from").asString()).isEqualTo("2026-11-01");

		clock.set("2026-12-01T04:59:59Z");
		sweepOnBothReplicasAtOnce();
		assertThat(runs(id)).isZero();

		clock.set("2026-12-01T05:00:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1 && reports() == 1);

		Map<String, Object> report = this.jdbc.sql("""
				SELECT r.id, r.parameters ->> 'from' AS "from", r.parameters ->> 'to' AS "to", r.priority, r.owner_id,
				       r.owner_email, r.format, s.scheduled_for
				  FROM reports r JOIN schedule_runs s ON s.report_id = r.id""").query().singleRow();
		assertThat(report).containsEntry("from", "2026-11-01")
			.containsEntry("to", "2026-11-30")
			.containsEntry("priority", "BULK")
			.containsEntry("owner_id", "alice")
			.containsEntry("owner_email", "alice@example.com")
			.containsEntry("format", "PDF");
		assertThat(scheduledFor(id)).containsExactly(Instant.parse("2026-12-01T05:00:00Z"));
		JsonNode shown = get(1, id);
		assertThat(shown.get("nextRunAt").asString()).isEqualTo("2027-01-01T05:00:00Z");
		assertThat(shown.at("/runs/0/reportId").asString()).isEqualTo(report.get("id").toString());
		assertThat(shown.at("/runs/0/reportStatus").asString()).isEqualTo("QUEUED");
	}

	@Test
	void a0230RunOnTheDayClocksGoForwardIsCreatedOnceAt0330() throws Exception {
		clock.set("2026-03-28T12:00:00Z");
		UUID id = createDaily0230Berlin();
		assertThat(get(0, id).get("nextRunAt").asString()).isEqualTo("2026-03-29T01:30:00Z");

		clock.set("2026-03-29T01:29:59Z");
		sweepOnBothReplicasAtOnce();
		assertThat(runs(id)).isZero();
		clock.set("2026-03-29T01:30:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1);
		clock.set("2026-03-29T21:00:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1 && reports() == 1);

		assertThat(scheduledFor(id)).containsExactly(Instant.parse("2026-03-29T01:30:00Z"));
		assertThat(reportDates()).containsExactly("2026-03-28..2026-03-28");
		assertThat(get(1, id).get("nextRunAt").asString()).isEqualTo("2026-03-30T00:30:00Z");
	}

	@Test
	void a0230RunOnTheDayClocksGoBackIsCreatedOnceAtTheFirst0230() throws Exception {
		clock.set("2026-10-24T12:00:00Z");
		UUID id = createDaily0230Berlin();
		assertThat(get(0, id).get("nextRunAt").asString()).isEqualTo("2026-10-25T00:30:00Z");

		clock.set("2026-10-25T00:30:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1);
		// 02:30 again, in winter time
		clock.set("2026-10-25T01:30:00Z");
		sweepOnBothReplicasAtOnce();
		clock.set("2026-10-25T22:00:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1 && reports() == 1);

		assertThat(scheduledFor(id)).containsExactly(Instant.parse("2026-10-25T00:30:00Z"));
		assertThat(reportDates()).containsExactly("2026-10-24..2026-10-24");
		assertThat(get(1, id).get("nextRunAt").asString()).isEqualTo("2026-10-26T01:30:00Z");
	}

	@Test
	void runsMissedDuringAThreeHourStopAreCaughtUpOnce() throws Exception {
		clock.set("2026-06-01T10:10:00Z");
		UUID id = createHourly("CATCH_UP");

		// Nothing swept from 10:10 to 13:10.
		clock.set("2026-06-01T13:10:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 3 && reports() == 3);

		assertThat(scheduledFor(id)).containsExactly(Instant.parse("2026-06-01T11:00:00Z"),
				Instant.parse("2026-06-01T12:00:00Z"), Instant.parse("2026-06-01T13:00:00Z"));
		assertThat(get(1, id).get("nextRunAt").asString()).isEqualTo("2026-06-01T14:00:00Z");
	}

	@Test
	void runsMissedDuringAThreeHourStopAreSkippedAndShownWhenTheScheduleSaysSo() throws Exception {
		clock.set("2026-06-01T10:10:00Z");
		UUID id = createHourly("SKIP");

		// 13:00 is 30 minutes late, beyond the 15 minutes' grace.
		clock.set("2026-06-01T13:30:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).until(() -> runs(id) == 3);
		assertThat(reports()).isZero();
		JsonNode shown = get(1, id);
		assertThat(shown.get("runs").valueStream().map((run) -> run.get("state").asString())).containsExactly("SKIPPED",
				"SKIPPED", "SKIPPED");
		assertThat(shown.at("/runs/0/scheduledFor").asString()).isEqualTo("2026-06-01T13:00:00Z");
		assertThat(shown.at("/runs/0/error").asString()).contains("Missed");
		assertThat(shown.get("nextRunAt").asString()).isEqualTo("2026-06-01T14:00:00Z");

		clock.set("2026-06-01T14:00:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 4 && reports() == 1);
		assertThat(get(0, id).at("/runs/0/state").asString()).isEqualTo("CREATED");
	}

	@Test
	void aSkippingScheduleStillRunsItsLatestRunWithinTheGrace() throws Exception {
		clock.set("2026-06-01T10:10:00Z");
		UUID id = createHourly("SKIP");

		clock.set("2026-06-01T13:05:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 3 && reports() == 1);

		assertThat(get(0, id).get("runs").valueStream().map((run) -> run.get("state").asString()))
			.containsExactly("CREATED", "SKIPPED", "SKIPPED");
	}

	@Test
	void aPausedScheduleCreatesNothingAndResumesFromNowWithoutCatchingUp() throws Exception {
		clock.set("2026-06-01T10:10:00Z");
		UUID id = createHourly("CATCH_UP");
		assertThat(post(1, "/api/schedules/" + id + "/pause", null).statusCode()).isEqualTo(200);

		clock.set("2026-06-01T12:10:00Z");
		sweepOnBothReplicasAtOnce();
		await().during(SEVERAL_SWEEPS).atMost(Duration.ofSeconds(5)).until(() -> runs(id) == 0);
		assertThat(get(0, id).get("nextRunAt").isNull()).isTrue();

		HttpResponse<String> resumed = post(0, "/api/schedules/" + id + "/resume", null);
		assertThat(resumed.statusCode()).isEqualTo(200);
		assertThat(Messages.json().readTree(resumed.body()).get("nextRunAt").asString())
			.isEqualTo("2026-06-01T13:00:00Z");
		sweepOnBothReplicasAtOnce();
		assertThat(runs(id)).isZero();

		clock.set("2026-06-01T13:00:00Z");
		sweepOnBothReplicasAtOnce();
		await().atMost(Duration.ofSeconds(5)).during(SEVERAL_SWEEPS).until(() -> runs(id) == 1 && reports() == 1);
		assertThat(scheduledFor(id)).containsExactly(Instant.parse("2026-06-01T13:00:00Z"));
	}

	private UUID createDaily0230Berlin() throws Exception {
		return UUID.fromString(create(0, """
				{"type":"SALES_SUMMARY","format":"CSV","period":"PREVIOUS_DAY",
				 "rule":{"every":"DAY","at":"02:30"},"timeZone":"Europe/Berlin"}""").get("id").asString());
	}

	private UUID createHourly(String misfire) throws Exception {
		return UUID.fromString(create(1, """
				{"type":"NO_OP","format":"CSV","cron":"0 * * * *","timeZone":"Europe/Berlin","misfire":"%s"}"""
			.formatted(misfire)).get("id").asString());
	}

	/** Both replicas sweep at the same moment, twice each, besides their own sweeps. */
	private static void sweepOnBothReplicasAtOnce() {
		List<CompletableFuture<Integer>> sweeps = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			ScheduleSweep sweep = replicas.get(i % 2).getBean(ScheduleSweep.class);
			sweeps.add(CompletableFuture.supplyAsync(sweep::run));
		}
		sweeps.forEach(CompletableFuture::join);
	}

	private long runs(UUID id) {
		return this.jdbc.sql("SELECT count(*) FROM schedule_runs WHERE schedule_id = :id")
			.param("id", id)
			.query(Long.class)
			.single();
	}

	private long reports() {
		return this.jdbc.sql("SELECT count(*) FROM reports").query(Long.class).single();
	}

	private List<Instant> scheduledFor(UUID id) {
		return this.jdbc.sql("SELECT scheduled_for FROM schedule_runs WHERE schedule_id = :id ORDER BY scheduled_for")
			.param("id", id)
			.query(OffsetDateTime.class)
			.list()
			.stream()
			.map(OffsetDateTime::toInstant)
			.toList();
	}

	private List<String> reportDates() {
		return this.jdbc.sql("SELECT (parameters ->> 'from') || '..' || (parameters ->> 'to') FROM reports")
			.query(String.class)
			.list();
	}

	private JsonNode create(int replica, String body) throws Exception {
		HttpResponse<String> response = post(replica, "/api/schedules", body);
		assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
		return Messages.json().readTree(response.body());
	}

	private JsonNode get(int replica, UUID id) throws Exception {
		HttpResponse<String> response = this.http.send(request(replica, "/api/schedules/" + id).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		return Messages.json().readTree(response.body());
	}

	private HttpResponse<String> post(int replica, String path, String body) throws Exception {
		HttpRequest.Builder request = request(replica, path);
		if (body != null) {
			request.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
		}
		else {
			request.POST(HttpRequest.BodyPublishers.noBody());
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpRequest.Builder request(int replica, String path) {
		int port = ((WebServerApplicationContext) replicas.get(replica)).getWebServer().getPort();
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.header("Authorization", "Basic "
					+ Base64.getEncoder().encodeToString("alice:alice-secret".getBytes(StandardCharsets.UTF_8)));
	}

}
