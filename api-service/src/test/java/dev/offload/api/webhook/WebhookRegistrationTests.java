package dev.offload.api.webhook;

import java.util.List;
import java.util.Map;

import dev.offload.model.Messages;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Registering endpoints with the operator's defaults: only https, only public addresses.
 * Every refusal is a 400 naming the field, given before any connection is made; nothing
 * here sends (the sender is off), and the accepted URLs are documentation addresses
 * (203.0.113.0/24) that are never called.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.webhooks.enabled=false", "offload.api.webhooks.max-endpoints-per-user=3",
				"offload.api.reconciliation.enabled=false" })
@AutoConfigureRestTestClient
class WebhookRegistrationTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	@Autowired
	private RestTestClient client;

	@Autowired
	private JdbcClient jdbc;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
	}

	@RegisterExtension
	static final AfterTheContext cleanUp = AfterTheContext.close(broker, database);

	@ParameterizedTest
	@ValueSource(strings = { "https://127.0.0.1:8443/hooks", "https://localhost/hooks", "https://10.0.0.1/",
			"https://172.16.5.4/", "https://192.168.1.1/", "https://[::1]/", "https://169.254.169.254/latest/meta-data",
			"https://100.64.0.1/", "https://[fd00::1]/", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/",
			"https://224.0.0.1/" })
	void anEndpointOnAPrivateOrLoopbackAddressIsRefused(String url) {
		JsonNode problem = refused(Map.of("url", url, "events", List.of("report.succeeded")));

		assertThat(problem.at("/errors/0/field").asString()).isEqualTo("url");
		assertThat(problem.at("/errors/0/message").asString()).contains("resolves to a").contains("not allowed");
		assertThat(endpoints()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "http://127.0.0.1:9/hooks", "http://localhost/hooks" })
	void plainHttpToLoopbackIsRefusedForBothReasons(String url) {
		JsonNode problem = refused(Map.of("url", url, "events", List.of("report.succeeded")));

		assertThat(problem.get("errors").findValuesAsString("field")).containsOnly("url");
		assertThat(problem.get("detail").asString()).contains("must use https").contains("loopback");
	}

	@Test
	void plainHttpIsRefusedWhenNotAllowed() {
		JsonNode problem = refused(Map.of("url", "http://203.0.113.10/hooks", "events", List.of("report.failed")));

		assertThat(problem.at("/errors/0/field").asString()).isEqualTo("url");
		assertThat(problem.at("/errors/0/message").asString()).contains("must use https");
	}

	@ParameterizedTest
	@ValueSource(strings = { "not a url", "ftp://203.0.113.10/", "/relative/path", "https://user:pw@203.0.113.10/" })
	void aMalformedUrlIsRefused(String url) {
		JsonNode problem = refused(Map.of("url", url, "events", List.of("report.failed")));

		assertThat(problem.at("/errors/0/field").asString()).isEqualTo("url");
	}

	@Test
	void anUnknownEventTypeIsRefused() {
		JsonNode problem = refused(
				Map.of("url", "https://203.0.113.10/hooks", "events", List.of("report.succeeded", "report.exploded")));

		assertThat(problem.at("/errors/0/field").asString()).isEqualTo("events[1]");
		assertThat(problem.at("/errors/0/message").asString()).contains("report.exploded")
			.contains("report.succeeded, report.failed, batch.completed");
		assertThat(refused(Map.of("url", "https://203.0.113.10/hooks", "events", List.of())).at("/errors/0/field")
			.asString()).isEqualTo("events");
	}

	@Test
	void aUserMayRegisterOnlySoManyEndpoints() {
		for (int i = 0; i < 3; i++) {
			this.client.post()
				.uri("/api/webhooks")
				.headers((headers) -> headers.setBasicAuth("bob", "bob-secret"))
				.contentType(MediaType.APPLICATION_JSON)
				.body(Messages.json()
					.writeValueAsString(
							Map.of("url", "https://203.0.113.10/hooks/" + i, "events", List.of("batch.completed"))))
				.exchange()
				.expectStatus()
				.isCreated();
		}

		JsonNode problem = refused(Map.of("url", "https://203.0.113.10/hooks/4", "events", List.of("batch.completed")),
				"bob", "bob-secret");

		assertThat(problem.at("/errors/0/field").asString()).isEqualTo("url");
		assertThat(problem.at("/errors/0/message").asString()).contains("3 webhook endpoints");
		// Other users have their own allowance.
		this.client.post()
			.uri("/api/webhooks")
			.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
			.contentType(MediaType.APPLICATION_JSON)
			.body(Messages.json()
				.writeValueAsString(
						Map.of("url", "https://203.0.113.10/hooks/alice", "events", List.of("batch.completed"))))
			.exchange()
			.expectStatus()
			.isCreated();
		this.jdbc.sql("DELETE FROM webhook_endpoints").update();
	}

	private JsonNode refused(Map<String, Object> request) {
		return refused(request, "alice", "alice-secret");
	}

	private JsonNode refused(Map<String, Object> request, String user, String password) {
		String body = this.client.post()
			.uri("/api/webhooks")
			.headers((headers) -> headers.setBasicAuth(user, password))
			.contentType(MediaType.APPLICATION_JSON)
			.body(Messages.json().writeValueAsString(request))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return Messages.json().readTree(body);
	}

	private long endpoints() {
		return this.jdbc.sql("SELECT count(*) FROM webhook_endpoints").query(Long.class).single();
	}

}
