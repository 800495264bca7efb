package dev.offload.api.security;

import dev.offload.api.error.ApiExceptionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web page and its assets are served without credentials (the page signs in against
 * the API itself); nothing else becomes public with them.
 */
@WebMvcTest(useDefaultFilters = false)
// The exception handler writes the 401s the security filters hand over.
@Import({ SecurityConfiguration.class, ApiExceptionHandler.class, RateLimitsOnATestDatabase.class })
class PublicResourcesTests {

	@Autowired
	private MockMvcTester mvc;

	@ParameterizedTest
	@ValueSource(strings = { "/index.html", "/assets/app.js", "/assets/app.css", "/favicon.svg" })
	void pageAndAssetsAreServedWithoutCredentials(String path) {
		assertThat(this.mvc.get().uri(path)).hasStatusOk();
	}

	@Test
	void rootServesThePage() {
		assertThat(this.mvc.get().uri("/")).hasStatusOk().hasForwardedUrl("index.html");
	}

	@Test
	void answersCarryTheSecurityHeadersAndErrorsNoStackTrace() {
		assertThat(this.mvc.get().uri("/api/reports")).satisfies((result) -> {
			assertThat(result).hasStatus(HttpStatus.UNAUTHORIZED)
				.hasHeader("X-Content-Type-Options", "nosniff")
				.hasHeader("X-Frame-Options", "DENY");
			assertThat(result.getResponse().getHeader("Cache-Control")).contains("no-store");
			assertThat(result.getResponse().getContentAsString()).doesNotContain("trace", "Exception", "at dev.");
		});
		assertThat(this.mvc.get().uri("/index.html")).hasHeader("X-Content-Type-Options", "nosniff");
	}

	@Test
	void otherPathsStillNeedCredentials() {
		assertThat(this.mvc.get().uri("/assets-elsewhere/app.js")).hasStatus(HttpStatus.UNAUTHORIZED);
		assertThat(this.mvc.post().uri("/assets/app.js")).hasStatus(HttpStatus.UNAUTHORIZED);
	}

}
