package dev.offload.api.security;

import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import com.nimbusds.jose.JOSEException;
import dev.offload.testsupport.AfterTheContext;
import dev.offload.testsupport.TestBroker;
import dev.offload.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In JWT mode, with a local service account named {@code alice} beside the tokens: a
 * token whose subject is {@code alice} is a different owner ({@code jwt:alice}) and sees
 * none of the account's reports, and a user without a verified address (accepted with
 * {@code unverified-email=without-email}) owns reports with no email address.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "offload.api.security.mode=jwt",
				"spring.security.oauth2.resourceserver.jwt.issuer-uri=https://login.example.com/",
				"spring.security.oauth2.resourceserver.jwt.audiences=offload-api",
				"offload.api.security.jwt.unverified-email=without-email",
				"offload.api.security.users[0].username=alice", "offload.api.security.users[0].password={noop}alice-pw",
				"offload.api.security.users[0].email=alice@example.com" })
@AutoConfigureRestTestClient
class JwtOwnersTests {

	private static final TestDatabase database = TestDatabase.create();

	private static final TestBroker broker = TestBroker.create();

	private static final KeyPair ISSUER = JwtAuthenticationTests.rsaKeyPair();

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

	@Test
	void aTokenWhoseSubjectIsALocalUsersNameSeesNoneOfThatUsersReports() throws Exception {
		String id = create((headers) -> headers.setBasicAuth("alice", "alice-pw"));
		String impostor = "Bearer "
				+ token(Map.of("sub", "alice", "email", "alice@example.com", "email_verified", true));

		byte[] list = this.client.get()
			.uri("/api/reports")
			.header(HttpHeaders.AUTHORIZATION, impostor)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody();
		assertThat(JsonPath.<java.util.List<?>>read(new String(list), "$.items")).isEmpty();
		this.client.get()
			.uri("/api/reports/" + id)
			.header(HttpHeaders.AUTHORIZATION, impostor)
			.exchange()
			.expectStatus()
			.isNotFound();
		this.client.get()
			.uri("/api/reports/" + id)
			.headers((headers) -> headers.setBasicAuth("alice", "alice-pw"))
			.exchange()
			.expectStatus()
			.isOk();
		assertThat(this.jdbc.sql("SELECT owner_id FROM reports WHERE id = CAST(:id AS uuid)")
			.param("id", id)
			.query(String.class)
			.single()).isEqualTo("alice");
	}

	@Test
	void aUserWithoutAVerifiedAddressOwnsReportsWithoutOne() throws Exception {
		String token = "Bearer " + token(Map.of("sub", "user-9", "email", "eve@example.com", "email_verified", false));

		String id = create((headers) -> headers.set(HttpHeaders.AUTHORIZATION, token));

		Map<String, Object> row = this.jdbc
			.sql("SELECT owner_id, owner_email FROM reports WHERE id = CAST(:id AS uuid)")
			.param("id", id)
			.query()
			.singleRow();
		assertThat(row).containsEntry("owner_id", "jwt:user-9");
		assertThat(row.get("owner_email")).isNull();
	}

	private String create(java.util.function.Consumer<HttpHeaders> credentials) {
		byte[] body = this.client.post()
			.uri("/api/reports")
			.headers(credentials)
			.contentType(MediaType.APPLICATION_JSON)
			.body("""
					{"type": "SALES_SUMMARY", "format": "CSV",
					 "parameters": {"from": "2024-01-01", "to": "2024-06-30"}}""")
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.returnResult()
			.getResponseBody();
		return JsonPath.read(new String(body), "$.id");
	}

	private static String token(Map<String, Object> claims) throws JOSEException {
		return JwtAuthenticationTests.token(ISSUER, claims, Instant.now().plusSeconds(300));
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class IssuerKeys {

		@Bean
		JwtDecoder jwtDecoder() {
			return NimbusJwtDecoder.withPublicKey((RSAPublicKey) ISSUER.getPublic()).build();
		}

	}

}
