package dev.offload.api.security;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configured API keys are checked while {@code offload.api.security.*} is bound, so a
 * misconfigured key stops the service at start-up with a message that names the property,
 * and never the key.
 */
class ApiSecurityPropertiesTests {

	/** SHA-256 of {@code alice-local-api-key-0123456789}. */
	private static final String ALICE_KEY_DIGEST = "a57768d9f467b5b04ff374ab39131fa41c9392e57287166664ce1009e89127c5";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class)
		.withPropertyValues("offload.api.security.users[0].username=alice",
				"offload.api.security.users[0].password={noop}alice-secret",
				"offload.api.security.users[0].email=alice@example.com", "offload.api.security.users[1].username=bob",
				"offload.api.security.users[1].password={noop}bob-secret",
				"offload.api.security.users[1].email=bob@example.com");

	@Test
	void keysWithAKnownPrefixBindAndUsersWithoutKeysHaveNone() {
		this.runner
			.withPropertyValues("offload.api.security.users[0].api-keys[0]={noop}alice-local-api-key-0123456789",
					"offload.api.security.users[0].api-keys[1]={sha256}" + "0f".repeat(32))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ApiSecurityProperties properties = context.getBean(ApiSecurityProperties.class);
				assertThat(properties.users().get(0).apiKeys()).hasSize(2);
				assertThat(properties.users().get(1).apiKeys()).isEmpty();
			});
	}

	@Test
	void shortPlainKeyFailsStartUp() {
		this.runner.withPropertyValues("offload.api.security.users[1].api-keys[0]={noop}bob-short-key")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.security.users[1].api-keys[0]")
				.hasMessageContaining("must have 24 to 512 characters")
				.hasMessageNotContaining("bob-short-key"));
	}

	@Test
	void keyWithoutAKnownPrefixFailsStartUp() {
		for (String key : new String[] { "{bcrypt}$2a$10$abcdefghijklmnopqrstuv",
				"plain-key-without-a-prefix-0123456789", "{SHA256}" + ALICE_KEY_DIGEST }) {
			this.runner.withPropertyValues("offload.api.security.users[0].api-keys[0]=" + key)
				.run((context) -> assertThat(context).getFailure()
					.rootCause()
					.hasMessageContaining("offload.api.security.users[0].api-keys[0] has no known encoding prefix")
					.hasMessageContaining("{sha256}")
					.hasMessageContaining("{noop}")
					.hasMessageNotContaining(key));
		}
	}

	@Test
	void sha256KeyThatIsNotADigestFailsStartUp() {
		this.runner
			.withPropertyValues("offload.api.security.users[0].api-keys[0]={sha256}alice-local-api-key-0123456789")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining(
						"offload.api.security.users[0].api-keys[0] is a {sha256} key that is not 64 hex digits")
				.hasMessageNotContaining("alice-local-api-key"));
	}

	@Test
	void rateLimitChecksTheDatabaseEveryTenthOfItsBurstOrSecondByDefault() {
		this.runner.run((context) -> {
			ApiSecurityProperties.RateLimit limit = context.getBean(ApiSecurityProperties.class).rateLimit();
			assertThat(limit.unsyncedRequests()).isEqualTo(6);
			assertThat(limit.unsyncedTime()).isEqualTo(Duration.ofSeconds(1));
		});
		this.runner.withPropertyValues("offload.api.security.rate-limit.capacity=9")
			.run((context) -> assertThat(context.getBean(ApiSecurityProperties.class).rateLimit().unsyncedRequests())
				.isZero());
	}

	@Test
	void rateLimitThatCouldGoFurtherThanItsBurstUnsyncedFailsStartUp() {
		this.runner
			.withPropertyValues("offload.api.security.rate-limit.capacity=5",
					"offload.api.security.rate-limit.unsynced-requests=6")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.security.rate-limit.unsynced-requests (6)")
				.hasMessageContaining("must not be more than its capacity (5)"));
	}

	@Test
	void rateLimitWithoutTimeBetweenChecksFailsStartUp() {
		this.runner.withPropertyValues("offload.api.security.rate-limit.unsynced-time=0s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.security.rate-limit.unsynced-time must be positive"));
	}

	@Test
	void rateLimitWithNegativeUnsyncedRequestsFailsStartUp() {
		this.runner.withPropertyValues("offload.api.security.rate-limit.unsynced-requests=-1")
			.run((context) -> assertThat(context).getFailure()
				.hasMessageContaining("offload.api.security")
				.rootCause()
				.hasMessageContaining("rateLimit.unsyncedRequests"));
	}

	@Test
	void keyConfiguredTwiceFailsStartUpEvenInAnotherEncoding() {
		this.runner
			.withPropertyValues("offload.api.security.users[0].api-keys[0]={noop}alice-local-api-key-0123456789",
					"offload.api.security.users[1].api-keys[0]={sha256}" + ALICE_KEY_DIGEST)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.security.users[1].api-keys[0] is configured more than once")
				.hasMessageNotContaining("alice-local-api-key"));
		this.runner
			.withPropertyValues("offload.api.security.users[1].api-keys[0]={noop}bob-local-api-key-0123456789",
					"offload.api.security.users[1].api-keys[1]={noop}bob-local-api-key-0123456789")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("offload.api.security.users[1].api-keys[1] is configured more than once"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ApiSecurityProperties.class)
	static class PropertiesConfiguration {

	}

}
