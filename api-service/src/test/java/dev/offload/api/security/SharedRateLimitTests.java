package dev.offload.api.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.offload.api.ApiApplication;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two api-service replicas on one database take from the same buckets: a user gets one
 * burst in all, not one per replica (here with every request checking the shared bucket),
 * and an address blocked for failed sign-ins on one replica is refused on the other at
 * its next failure.
 */
class SharedRateLimitTests {

	private static final int BURST = 10;

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final List<ConfigurableApplicationContext> replicas = new ArrayList<>();

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void startTwoReplicas() {
		for (int i = 0; i < 2; i++) {
			List<String> arguments = new ArrayList<>(
					List.of("--server.port=0", "--offload.api.security.rate-limit.capacity=" + BURST,
							"--offload.api.security.rate-limit.refill-period=1h",
							// Every request checks the shared bucket: the exact limit.
							// RateLimitsTests shows the bound between checks.
							"--offload.api.security.rate-limit.unsynced-requests=0",
							"--offload.api.security.sign-in-limit.capacity=3",
							"--offload.api.security.sign-in-limit.refill-period=1h",
							// Each test names its client address in X-Forwarded-For.
							"--server.forward-headers-strategy=native",
							"--server.tomcat.remoteip.internal-proxies=127\\.0\\.0\\.1"));
			database.springProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
			broker.springProperties().forEach((name, value) -> arguments.add("--" + name + "=" + value));
			replicas.add(new SpringApplicationBuilder(ApiApplication.class).run(arguments.toArray(String[]::new)));
		}
	}

	@AfterAll
	static void stopReplicas() {
		replicas.forEach(ConfigurableApplicationContext::close);
		broker.close();
		database.close();
	}

	@Test
	void oneUsersRequestsAcrossBothReplicasShareOneBurst() throws Exception {
		Map<Integer, Integer> answers = new TreeMap<>();
		for (int i = 0; i < 3 * BURST; i++) {
			answers.merge(get(i % 2, "198.51.100.1", "bob", "bob-secret"), 1, Integer::sum);
		}

		assertThat(answers).isEqualTo(Map.of(200, BURST, 429, 2 * BURST));
		// Another user's bucket is untouched.
		assertThat(get(1, "198.51.100.1", "alice", "alice-secret")).isEqualTo(200);
	}

	@Test
	void failedSignInsOnBothReplicasCountTogether() throws Exception {
		// One address guesses admin's password on both replicas.
		assertThat(get(0, "203.0.113.9", "admin", "guess-1")).isEqualTo(401);
		assertThat(get(1, "203.0.113.9", "admin", "guess-2")).isEqualTo(401);
		assertThat(get(0, "203.0.113.9", "admin", "guess-3")).isEqualTo(401);

		assertThat(get(1, "203.0.113.9", "admin", "guess-4")).isEqualTo(429);
		assertThat(get(0, "203.0.113.9", "admin", "guess-5")).isEqualTo(429);
		assertThat(get(1, "203.0.113.9", "admin", "admin-secret")).isEqualTo(429);
		assertThat(get(0, "203.0.113.9", "admin", "admin-secret")).isEqualTo(429);
	}

	@Test
	void bucketsExpireOnceFullAgainAndExpiredRowsAreRemoved() throws Exception {
		JdbcClient jdbc = replicas.get(0).getBean(JdbcClient.class);
		assertThat(get(0, "198.51.100.77", "alice", "alice-secret")).isEqualTo(200);
		jdbc.sql("INSERT INTO rate_limit_buckets (id, state, expires_at) VALUES ('request:user:gone', '\\x00', 1)")
			.update();

		int removed = replicas.get(1).getBean(RateLimits.class).removeExpired();

		assertThat(removed).isGreaterThanOrEqualTo(1);
		assertThat(jdbc.sql("SELECT id FROM rate_limit_buckets").query(String.class).list())
			.doesNotContain("request:user:gone")
			.contains("request:user:alice");
		assertThat(jdbc
			.sql("SELECT count(*) FROM rate_limit_buckets WHERE expires_at IS NULL OR expires_at < "
					+ "(extract(epoch FROM now()) * 1000)::bigint")
			.query(Long.class)
			.single()).isZero();
	}

	private int get(int replica, String address, String user, String password) throws Exception {
		int port = ((WebServerApplicationContext) replicas.get(replica)).getWebServer().getPort();
		String credentials = Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/reports"))
			.header("Authorization", "Basic " + credentials)
			.header("X-Forwarded-For", address)
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
	}

}
