package dev.offload.api.security;

import java.util.stream.Stream;

import dev.offload.model.Owner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The second local sign-in: an API key in {@code X-API-Key} signs in as the configured
 * user it belongs to, with that user's roles and rate limit; a wrong or malformed key is
 * a 401 problem, never a 5xx. The users here replace those of {@code application.yaml}:
 * one with a {@code {noop}} key, one with two keys (a rotation), an operator whose key is
 * configured as its {@code {sha256}} digest, and one for the rate limit alone.
 */
@WebMvcTest(controllers = ApiKeyAuthenticationTests.WhoAmIController.class, properties = {
		"offload.api.security.users[0].username=alice", "offload.api.security.users[0].password={noop}alice-secret",
		"offload.api.security.users[0].email=alice@example.com",
		"offload.api.security.users[0].api-keys[0]={noop}" + ApiKeyAuthenticationTests.ALICE_KEY,
		"offload.api.security.users[1].username=bob", "offload.api.security.users[1].password={noop}bob-secret",
		"offload.api.security.users[1].email=bob@example.com",
		"offload.api.security.users[1].api-keys[0]={noop}bob-old-api-key-0123456789",
		"offload.api.security.users[1].api-keys[1]={noop}bob-new-api-key-0123456789",
		"offload.api.security.users[2].username=ops", "offload.api.security.users[2].password={noop}ops-secret",
		"offload.api.security.users[2].email=ops@example.com", "offload.api.security.users[2].roles=USER,ADMIN",
		// SHA-256 of "ops-service-api-key-0123456789abcdef"
		"offload.api.security.users[2].api-keys[0]={sha256}"
				+ "f8f6995cc92065dfe7597e8982f233539cf6c1239119a9bda25f9fcd192d3442",
		"offload.api.security.users[3].username=dave", "offload.api.security.users[3].password={noop}dave-secret",
		"offload.api.security.users[3].email=dave@example.com",
		"offload.api.security.users[3].api-keys[0]={noop}dave-local-api-key-0123456789",
		"offload.api.security.rate-limit.capacity=20", "offload.api.security.rate-limit.refill-period=1h" })
@Import({ SecurityConfiguration.class, ApiKeyAuthenticationTests.WhoAmIController.class,
		RateLimitsOnATestDatabase.class })
class ApiKeyAuthenticationTests {

	static final String ALICE_KEY = "alice-local-api-key-0123456789";

	@Autowired
	private MockMvc mvc;

	@Test
	void validKeySignsInAsItsUserWithTheirRoles() throws Exception {
		this.mvc.perform(get("/api/whoami").header("X-API-Key", ALICE_KEY))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("alice"))
			.andExpect(jsonPath("$.email").value("alice@example.com"));
		this.mvc.perform(get("/api/admin/whoami").header("X-API-Key", ALICE_KEY))
			.andExpect(status().isForbidden())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void keyConfiguredAsItsSha256DigestSignsInAndCarriesTheAdminRole() throws Exception {
		this.mvc.perform(get("/api/admin/whoami").header("X-API-Key", "ops-service-api-key-0123456789abcdef"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.userId").value("ops"));
		// The digest itself is not a key.
		this.mvc
			.perform(get("/api/whoami").header("X-API-Key",
					"f8f6995cc92065dfe7597e8982f233539cf6c1239119a9bda25f9fcd192d3442"))
			.andExpect(status().isUnauthorized());
	}

	@Test
	void everyKeyOfAUserSignsInSoKeysCanBeRotated() throws Exception {
		for (String key : new String[] { "bob-old-api-key-0123456789", "bob-new-api-key-0123456789" }) {
			this.mvc.perform(get("/api/whoami").header("X-API-Key", key))
				.andExpect(status().isOk())
				.andExpect(jsonPath("$.userId").value("bob"));
		}
	}

	@Test
	void wrongKeyIsA401ProblemLikeAWrongPassword() throws Exception {
		this.mvc.perform(get("/api/whoami").header("X-API-Key", "alice-local-api-key-0123456788"))
			.andExpect(status().isUnauthorized())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(header().string(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"offload\""))
			.andExpect(jsonPath("$.status").value(401));
		// Another user's key is as wrong as a made-up one, and a password is not a key.
		this.mvc.perform(get("/api/whoami").header("X-API-Key", "alice-secret")).andExpect(status().isUnauthorized());
	}

	@Test
	void wrongKeyIsRefusedEvenBesideAValidPassword() throws Exception {
		this.mvc
			.perform(get("/api/whoami").header("X-API-Key", "not-a-key-of-anyone-0123456789")
				.with(httpBasic("alice", "alice-secret")))
			.andExpect(status().isUnauthorized());
	}

	static Stream<Arguments> malformedKeys() {
		return Stream.of(Arguments.of("CR/LF after a valid key", ALICE_KEY + "\r\nX-Injected: 1"),
				Arguments.of("LF inside", "alice-local\napi-key-0123456789"),
				Arguments.of("CR alone", ALICE_KEY + "\r"), Arguments.of("NUL", ALICE_KEY + "\u0000"),
				Arguments.of("over 512 characters", "k".repeat(513)),
				Arguments.of("a valid key padded past 512 characters", ALICE_KEY + " ".repeat(500)),
				Arguments.of("empty", ""), Arguments.of("non-ASCII", "\u00e9\u2028".repeat(20)));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("malformedKeys")
	void malformedKeyIsA401ProblemNotA5xx(String description, String key) throws Exception {
		this.mvc.perform(get("/api/whoami").header("X-API-Key", key))
			.andExpect(status().isUnauthorized())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void keySentTwiceIsA401Problem() throws Exception {
		this.mvc.perform(get("/api/whoami").header("X-API-Key", ALICE_KEY, "bob-new-api-key-0123456789"))
			.andExpect(status().isUnauthorized());
		this.mvc.perform(get("/api/whoami").header("X-API-Key", ALICE_KEY, ALICE_KEY))
			.andExpect(status().isUnauthorized());
	}

	@Test
	void keyAndPasswordOfAUserShareOneRateLimitBucket() throws Exception {
		for (int i = 0; i < 10; i++) {
			this.mvc.perform(get("/api/whoami").with(httpBasic("dave", "dave-secret"))).andExpect(status().isOk());
			this.mvc.perform(get("/api/whoami").header("X-API-Key", "dave-local-api-key-0123456789"))
				.andExpect(status().isOk());
		}

		this.mvc.perform(get("/api/whoami").header("X-API-Key", "dave-local-api-key-0123456789"))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().exists(HttpHeaders.RETRY_AFTER));
		this.mvc.perform(get("/api/whoami").with(httpBasic("dave", "dave-secret")))
			.andExpect(status().isTooManyRequests());
	}

	@RestController
	static class WhoAmIController {

		@GetMapping({ "/api/whoami", "/api/admin/whoami" })
		Owner whoAmI(Owner owner) {
			return owner;
		}

	}

}
