package dev.offload.api.security;

import dev.offload.model.Owner;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Hostile input stopped at the door: oversized bodies (413), undecodable query strings
 * (400), media types that are no media type (415), the error page asked for directly, and
 * users over their request rate (429 with {@code Retry-After}).
 */
@WebMvcTest(controllers = RequestLimitsTests.EchoController.class,
		properties = { "offload.api.security.max-request-body=1KB", "offload.api.security.rate-limit.capacity=5",
				"offload.api.security.rate-limit.refill-period=1h" })
@Import({ SecurityConfiguration.class, RequestLimitsTests.EchoController.class, RateLimitsOnATestDatabase.class })
class RequestLimitsTests {

	@Autowired
	private MockMvc mvc;

	@Test
	void bodyOverTheLimitIsA413Problem() throws Exception {
		this.mvc
			.perform(post("/api/echo").with(httpBasic("alice", "alice-secret"))
				.contentType(MediaType.APPLICATION_JSON)
				.content("\"" + "x".repeat(2000) + "\""))
			.andExpect(status().isContentTooLarge())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.detail").value("The request body may have at most 1024 bytes"));
	}

	@Test
	void bodyWithinTheLimitIsRead() throws Exception {
		this.mvc
			.perform(post("/api/echo").with(httpBasic("alice", "alice-secret"))
				.contentType(MediaType.APPLICATION_JSON)
				.content("\"hello\""))
			.andExpect(status().isOk())
			.andExpect(content().string("hello"));
	}

	@Test
	void wildcardContentTypeIsA415Problem() throws Exception {
		this.mvc
			.perform(post("/api/echo").with(httpBasic("alice", "alice-secret"))
				.header(HttpHeaders.CONTENT_TYPE, "*/*")
				.content("\"hello\""))
			.andExpect(status().isUnsupportedMediaType())
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
	}

	@Test
	void errorPageAskedForDirectlyIsRefusedNotA500() throws Exception {
		this.mvc.perform(post("/error").with(httpBasic("alice", "alice-secret"))).andExpect(status().isForbidden());
		this.mvc.perform(get("/error")).andExpect(status().isUnauthorized());
	}

	@Test
	void userOverTheRateLimitGets429WithRetryAfterAndOthersDoNot() throws Exception {
		for (int i = 0; i < 5; i++) {
			this.mvc.perform(get("/api/whoami").with(httpBasic("bob", "bob-secret"))).andExpect(status().isOk());
		}

		this.mvc.perform(get("/api/whoami").with(httpBasic("bob", "bob-secret")))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string(HttpHeaders.RETRY_AFTER, "3600"))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
		this.mvc.perform(get("/api/whoami").with(httpBasic("admin", "admin-secret"))).andExpect(status().isOk());
	}

	@RestController
	static class EchoController {

		@PostMapping("/api/echo")
		String echo(@RequestBody String body, Owner owner) {
			return body.replace("\"", "");
		}

		@GetMapping("/api/whoami")
		Owner whoAmI(Owner owner) {
			return owner;
		}

	}

}
