package dev.offload.api.schedule;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.offload.api.report.ReportIntake;
import dev.offload.model.Messages;
import dev.offload.testsupport.CatalogueOffers;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The schedules API against the real database: what it refuses and how it names the
 * fields, whose schedules a caller sees, changing, deleting and limits, and a run whose
 * report type was withdrawn. The replicas' own sweeps are off; the tests sweep
 * themselves, with a clock they move.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.schedules.enabled=false", "offload.api.schedules.max-per-user=5",
				"offload.api.catalogue.refresh=50ms", "offload.api.relay.interval=1h" })
@ContextConfiguration(initializers = ScheduleApiTests.Clocks.class)
@AutoConfigureRestTestClient
class ScheduleApiTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final SettableClock clock = new SettableClock();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@Autowired
	private ScheduleSweep sweep;

	@Autowired
	private ReportIntake intake;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@BeforeEach
	void noSchedules() {
		this.jdbc.sql("DELETE FROM report_schedules").update();
		this.jdbc.sql("DELETE FROM reports").update();
		CatalogueOffers.offerStandardTypes(database);
		clock.set("2026-12-03T10:00:00Z");
	}

	@Test
	void badTimesAnUnknownZoneAndAnUnknownTypeAreOne400NamingEachField() {
		Answer answer = send(HttpMethod.POST, "/api/schedules", "alice", """
				{"type":"NOPE","format":"PDF","cron":"0 0 25 * * *","timeZone":"Mars/Olympus_Mons"}""");

		assertThat(answer.status()).isEqualTo(400);
		assertThat(fields(answer)).containsExactlyInAnyOrder("cron", "timeZone", "type");
		assertThat(answer.body().get("detail").asString()).contains("HourOfDay").contains("Mars/Olympus_Mons");
		assertThat(count("report_schedules")).isZero();
	}

	@Test
	void eachInvalidFieldIsNamed() {
		Map<String, String> bodies = Map.of("period", """
				{"type":"NO_OP","format":"CSV","period":"PREVIOUS_MONTH","rule":{"every":"DAY","at":"06:00"},
				 "timeZone":"UTC"}""", "parameters.from", """
				{"type":"SALES_SUMMARY","format":"CSV","period":"PREVIOUS_DAY","parameters":{"from":"2026-01-01"},
				 "rule":{"every":"DAY","at":"06:00"},"timeZone":"UTC"}""", "rule.dayOfMonth",
				"""
						{"type":"NO_OP","format":"CSV","rule":{"every":"MONTH","dayOfMonth":31,"at":"06:00"},"timeZone":"UTC"}""",
				"rule.every", """
						{"type":"NO_OP","format":"CSV","rule":{"every":"FORTNIGHT","at":"06:00"},"timeZone":"UTC"}""",
				"rule", """
						{"type":"NO_OP","format":"CSV","timeZone":"UTC"}""", "misfire", """
						{"type":"NO_OP","format":"CSV","cron":"0 6 * * *","timeZone":"UTC","misfire":"LATER"}""",
				"parameters.region", """
						{"type":"SALES_SUMMARY","format":"CSV","period":"PREVIOUS_MONTH","parameters":{"region":"Mars"},
						 "cron":"0 6 1 * *","timeZone":"UTC"}""");
		bodies.forEach((field, body) -> {
			Answer answer = send(HttpMethod.POST, "/api/schedules", "alice", body);
			assertThat(answer.status()).as(field).isEqualTo(400);
			assertThat(fields(answer)).as(body).containsExactly(field);
		});
		// Both, too often, never, and a fixed offset for a zone.
		assertThat(fields(send(HttpMethod.POST, "/api/schedules", "alice", """
				{"type":"NO_OP","format":"CSV","cron":"0 6 * * *","rule":{"every":"DAY","at":"06:00"},
				 "timeZone":"+02:00"}"""))).containsExactlyInAnyOrder("cron", "timeZone");
		assertThat(send(HttpMethod.POST, "/api/schedules", "alice", """
				{"type":"NO_OP","format":"CSV","cron":"*/5 * * * *","timeZone":"UTC"}""").body()
			.get("detail")
			.asString()).contains("more often than every 15 minutes");
		assertThat(send(HttpMethod.POST, "/api/schedules", "alice", """
				{"type":"NO_OP","format":"CSV","cron":"0 0 0 30 2 *","timeZone":"UTC"}""").body()
			.get("detail")
			.asString()).contains("never runs");
		assertThat(count("report_schedules")).isZero();
	}

	@Test
	void anotherUsersScheduleIsNotFoundAndNotListed() {
		UUID id = createDaily("alice");

		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "bob", null).status()).isEqualTo(404);
		assertThat(send(HttpMethod.PATCH, "/api/schedules/" + id, "bob", "{\"name\":\"mine\"}").status())
			.isEqualTo(404);
		assertThat(send(HttpMethod.POST, "/api/schedules/" + id + "/pause", "bob", null).status()).isEqualTo(404);
		assertThat(send(HttpMethod.POST, "/api/schedules/" + id + "/resume", "bob", null).status()).isEqualTo(404);
		assertThat(send(HttpMethod.DELETE, "/api/schedules/" + id, "bob", null).status()).isEqualTo(404);
		assertThat(send(HttpMethod.GET, "/api/schedules", "bob", null).body().get("items").isEmpty()).isTrue();
		assertThat(send(HttpMethod.GET, "/api/schedules", "alice", null).body().at("/items/0/id").asString())
			.isEqualTo(id.toString());
		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).body().get("paused").asBoolean())
			.isFalse();
	}

	@Test
	void aPatchChangesOnlyTheFieldsGivenAndNewTimesStartFromNow() {
		UUID id = createDaily("alice");
		JsonNode renamed = send(HttpMethod.PATCH, "/api/schedules/" + id, "alice", """
				{"name":"Yesterday's sales","format":"XLSX"}""").body();
		assertThat(renamed.get("name").asString()).isEqualTo("Yesterday's sales");
		assertThat(renamed.get("format").asString()).isEqualTo("XLSX");
		assertThat(renamed.get("period").asString()).isEqualTo("PREVIOUS_DAY");
		assertThat(renamed.get("nextRunAt").asString()).isEqualTo("2026-12-04T06:00:00Z");

		JsonNode moved = send(HttpMethod.PATCH, "/api/schedules/" + id, "alice", """
				{"cron":"0 30 12 * * *","timeZone":"America/New_York"}""").body();
		assertThat(moved.has("rule")).isFalse();
		assertThat(moved.get("cron").asString()).isEqualTo("0 30 12 * * *");
		assertThat(moved.get("nextRunAt").asString()).isEqualTo("2026-12-03T17:30:00Z");
		assertThat(moved.at("/nextRunParameters/to").asString()).isEqualTo("2026-12-02");

		Answer refused = send(HttpMethod.PATCH, "/api/schedules/" + id, "alice", """
				{"period":"PREVIOUS_MONTH","type":"NO_OP"}""");
		assertThat(refused.status()).isEqualTo(400);
		assertThat(fields(refused)).containsExactly("period");
		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).body().get("type").asString())
			.isEqualTo("SALES_SUMMARY");
	}

	@Test
	void deletingAScheduleKeepsItsReports() {
		UUID id = createDaily("alice");
		clock.set("2026-12-04T06:00:00Z");
		assertThat(this.sweep.run()).isEqualTo(1);
		assertThat(count("reports")).isEqualTo(1);

		assertThat(send(HttpMethod.DELETE, "/api/schedules/" + id, "alice", null).status()).isEqualTo(204);

		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).status()).isEqualTo(404);
		assertThat(count("schedule_runs")).isZero();
		assertThat(count("reports")).isEqualTo(1);
	}

	@Test
	void theListShowsEachSchedulesNextRunAndLastThreeRunsNewestFirst() {
		UUID daily = createDaily("alice");
		UUID monthly = create("alice", """
				{"type":"SALES_SUMMARY","format":"PDF","period":"PREVIOUS_MONTH",
				 "rule":{"every":"MONTH","dayOfMonth":"LAST","at":"23:00"},"timeZone":"Europe/Berlin"}""");
		for (String day : List.of("04", "05", "06", "07")) {
			clock.set("2026-12-" + day + "T06:00:00Z");
			this.sweep.run();
		}

		JsonNode items = send(HttpMethod.GET, "/api/schedules", "alice", null).body().get("items");

		assertThat(items.valueStream().map((item) -> item.get("id").asString())).containsExactly(daily.toString(),
				monthly.toString());
		assertThat(items.get(0).get("runs").valueStream().map((run) -> run.get("scheduledFor").asString()))
			.containsExactly("2026-12-07T06:00:00Z", "2026-12-06T06:00:00Z", "2026-12-05T06:00:00Z");
		assertThat(items.get(0).at("/runs/0/reportStatus").asString()).isEqualTo("QUEUED");
		assertThat(items.get(0).get("nextRunAt").asString()).isEqualTo("2026-12-08T06:00:00Z");
		assertThat(items.get(1).get("runs").isEmpty()).isTrue();
		assertThat(items.get(1).get("nextRunAt").asString()).isEqualTo("2026-12-31T22:00:00Z");
		assertThat(items.get(1).at("/nextRunParameters/from").asString()).isEqualTo("2026-11-01");
		assertThat(send(HttpMethod.GET, "/api/schedules/" + daily, "alice", null).body().get("runs").size())
			.isEqualTo(4);
	}

	@Test
	void aRunWhoseTypeWasWithdrawnIsRecordedAsFailedAndTheScheduleGoesOn() {
		UUID id = createDaily("alice");
		this.jdbc.sql("DELETE FROM report_type_offers WHERE type = 'SALES_SUMMARY'").update();
		await().atMost(Duration.ofSeconds(5)).until(() -> this.intake.describe("SALES_SUMMARY").isEmpty());

		clock.set("2026-12-04T06:00:00Z");
		this.sweep.run();

		JsonNode failed = send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).body();
		assertThat(failed.at("/runs/0/state").asString()).isEqualTo("FAILED");
		assertThat(failed.at("/runs/0/error").asString()).contains("type").contains("SALES_SUMMARY");
		assertThat(failed.get("nextRunAt").asString()).isEqualTo("2026-12-05T06:00:00Z");
		assertThat(count("reports")).isZero();

		CatalogueOffers.offerStandardTypes(database);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.intake.describe("SALES_SUMMARY").isPresent());
		clock.set("2026-12-05T06:00:00Z");
		this.sweep.run();
		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).body().at("/runs/0/state").asString())
			.isEqualTo("CREATED");
		assertThat(count("reports")).isEqualTo(1);
	}

	@Test
	void aLongOutageCatchesUpOnlyTheMostRecentRunsAndRecordsTheOthersAsSkipped() {
		UUID id = create("alice", """
				{"type":"NO_OP","format":"CSV","cron":"0 0 * * * *","timeZone":"UTC"}""");

		// 30 hourly runs missed; the catch-up limit is 24.
		clock.set("2026-12-04T16:30:00Z");
		this.sweep.run();
		this.sweep.run();

		Map<String, Object> runs = this.jdbc.sql("""
				SELECT count(*) FILTER (WHERE state = 'CREATED') AS created,
				       count(*) FILTER (WHERE state = 'SKIPPED') AS skipped,
				       min(scheduled_for) FILTER (WHERE state = 'CREATED') AS first_created
				  FROM schedule_runs WHERE schedule_id = :id""").param("id", id).query().singleRow();
		assertThat(runs).containsEntry("created", 24L).containsEntry("skipped", 6L);
		assertThat(((Timestamp) runs.get("first_created")).toInstant()).isEqualTo("2026-12-03T17:00:00Z");
		assertThat(count("reports")).isEqualTo(24);
		assertThat(send(HttpMethod.GET, "/api/schedules/" + id, "alice", null).body().get("nextRunAt").asString())
			.isEqualTo("2026-12-04T17:00:00Z");
	}

	@Test
	void aUserMayHaveAtMostMaxPerUserSchedules() {
		for (int i = 0; i < 5; i++) {
			createDaily("alice");
		}

		Answer refused = send(HttpMethod.POST, "/api/schedules", "alice", dailyBody());

		assertThat(refused.status()).isEqualTo(409);
		assertThat(refused.body().get("detail").asString()).contains("5 schedules");
		assertThat(createDaily("bob")).isNotNull();
	}

	private UUID createDaily(String user) {
		return create(user, dailyBody());
	}

	private static String dailyBody() {
		return """
				{"type":"SALES_SUMMARY","format":"CSV","period":"PREVIOUS_DAY","rule":{"every":"DAY","at":"06:00"},
				 "timeZone":"UTC"}""";
	}

	private UUID create(String user, String body) {
		Answer answer = send(HttpMethod.POST, "/api/schedules", user, body);
		assertThat(answer.status()).as(answer.body().toString()).isEqualTo(201);
		assertThat(answer.location()).isEqualTo("/api/schedules/" + answer.body().get("id").asString());
		return UUID.fromString(answer.body().get("id").asString());
	}

	private long count(String table) {
		return this.jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
	}

	private static List<String> fields(Answer answer) {
		return answer.body().get("errors").valueStream().map((error) -> error.get("field").asString()).toList();
	}

	private Answer send(HttpMethod method, String path, String user, String body) {
		RestTestClient.RequestBodySpec request = this.client.method(method)
			.uri(path)
			.headers((headers) -> headers.setBasicAuth(user, user + "-secret"));
		if (body != null) {
			request.contentType(MediaType.APPLICATION_JSON).body(body);
		}
		var result = request.exchange().expectBody().returnResult();
		byte[] content = result.getResponseBodyContent();
		JsonNode json = (content != null && content.length > 0) ? Messages.json().readTree(content) : null;
		String location = (result.getResponseHeaders().getLocation() != null)
				? result.getResponseHeaders().getLocation().toString() : null;
		return new Answer(result.getStatus().value(), json, location);
	}

	private record Answer(int status, JsonNode body, String location) {

	}

	/** Puts the test's clock in the context before the application's own is defined. */
	static class Clocks implements ApplicationContextInitializer<ConfigurableApplicationContext> {

		@Override
		public void initialize(ConfigurableApplicationContext context) {
			clock.registrar().initialize(context);
		}

	}

}
