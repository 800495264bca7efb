package dev.offload.api.security;

import java.util.Map;
import java.util.function.Consumer;

import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpHeaders;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed sign-ins are limited per client address, before authentication, over real HTTP
 * (Tomcat's handling of X-Forwarded-For included): after the burst an address is refused
 * with 429 whatever it sends, correct password included, while other addresses sign in.
 * The forwarded address counts only from a trusted proxy.
 */
class SignInLimitTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final int BURST = 5;

	@DynamicPropertySource
	static void infrastructure(DynamicPropertyRegistry registry) {
		database.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		broker.springProperties().forEach((name, value) -> registry.add(name, () -> value));
		registry.add("offload.api.security.sign-in-limit.capacity", () -> BURST);
		registry.add("offload.api.security.sign-in-limit.refill-period", () -> "1h");
	}

	@AfterAll
	static void cleanUp() {
		broker.close();
		database.close();
	}

	/** Behind a proxy this machine's address names: the tests' own requests. */
	@Nested
	@DirtiesContext
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
			properties = { "server.forward-headers-strategy=native",
					"server.tomcat.remoteip.internal-proxies=127\\\\.0\\\\.0\\\\.1" })
	@AutoConfigureRestTestClient
	class BehindATrustedProxy {

		@Autowired
		private RestTestClient client;

		@Test
		void aThousandWrongPasswordsFromOneAddressAreRefusedAfterTheBurstWhileAnotherAddressSignsIn() {
			String attacker = "203.0.113.7";
			Map<Integer, Integer> answers = new java.util.TreeMap<>();
			for (int i = 0; i < 1_000; i++) {
				String guess = "guess-" + i;
				int status = status(attacker, (headers) -> headers.setBasicAuth("alice", guess));
				answers.merge(status, 1, Integer::sum);
			}

			assertThat(answers).isEqualTo(Map.of(401, BURST, 429, 1_000 - BURST));
			assertThat(status(attacker, (headers) -> headers.setBasicAuth("alice", "alice-secret")))
				.as("the right password from the blocked address")
				.isEqualTo(429);
			assertThat(status(attacker, (headers) -> headers.set("X-API-Key", "alice-local-api-key-0123456789")))
				.as("a right API key from the blocked address")
				.isEqualTo(429);
			assertThat(status("198.51.100.9", (headers) -> headers.setBasicAuth("alice", "alice-secret")))
				.as("the right password from another address")
				.isEqualTo(200);
			assertThat(status("198.51.100.9", (headers) -> headers.setBasicAuth("bob", "wrong"))).isEqualTo(401);
		}

		@Test
		void theRefusalSaysWhenToTryAgainAndMissingCredentialsAreNoFailedSignIn() {
			String address = "203.0.113.50";
			for (int i = 0; i < 20; i++) {
				assertThat(status(address, (headers) -> {
				})).isEqualTo(401);
			}
			for (int i = 0; i < BURST; i++) {
				assertThat(status(address, (headers) -> headers.set("X-API-Key", "not-a-key-of-anyone-0123456789")))
					.isEqualTo(401);
			}
			this.client.get()
				.uri("/api/reports")
				.header("X-Forwarded-For", address)
				.headers((headers) -> headers.setBasicAuth("alice", "alice-secret"))
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.value(HttpHeaders.RETRY_AFTER, (value) -> assertThat(Long.parseLong(value)).isBetween(1L, 3600L))
				.expectBody()
				.jsonPath("$.title")
				.isEqualTo("Too many failed sign-ins");
		}

		private int status(String address, Consumer<HttpHeaders> credentials) {
			return this.client.get()
				.uri("/api/reports")
				.header("X-Forwarded-For", address)
				.headers(credentials)
				.exchange()
				.returnResult()
				.getStatus()
				.value();
		}

	}

	/** No proxy is trusted (the default): X-Forwarded-For is the caller's own claim. */
	@Nested
	@DirtiesContext
	@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
	@AutoConfigureRestTestClient
	class WithoutATrustedProxy {

		@Autowired
		private RestTestClient client;

		@Test
		void aForwardedAddressDoesNotBuyAFreshBucket() {
			for (int i = 0; i < BURST; i++) {
				assertThat(status("192.0.2." + i, "bob", "wrong-" + i)).isEqualTo(401);
			}

			assertThat(status("192.0.2.200", "bob", "wrong")).isEqualTo(429);
			assertThat(status("192.0.2.201", "bob", "bob-secret")).isEqualTo(429);
		}

		private int status(String address, String user, String password) {
			return this.client.get()
				.uri("/api/reports")
				.header("X-Forwarded-For", address)
				.headers((headers) -> headers.setBasicAuth(user, password))
				.exchange()
				.returnResult()
				.getStatus()
				.value();
		}

	}

}
