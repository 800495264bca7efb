package dev.offload.api.security;

import java.time.Clock;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.api.QueryPlans;
import dev.offload.testsupport.TestDatabase;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * For slice tests without a database of their own ({@code @WebMvcTest}): the
 * {@link RateLimits} that {@link SecurityConfiguration} needs, on a PostgreSQL database
 * of their own with the migrations applied, dropped when the context closes.
 */
@TestConfiguration(proxyBeanMethods = false)
public class RateLimitsOnATestDatabase {

	@Bean(destroyMethod = "close")
	TestDatabase rateLimitDatabase() {
		return TestDatabase.create();
	}

	@Bean(destroyMethod = "close")
	HikariDataSource rateLimitDataSource(TestDatabase rateLimitDatabase) {
		return QueryPlans.migrated(rateLimitDatabase);
	}

	@Bean
	RateLimits rateLimits(HikariDataSource rateLimitDataSource, ApiSecurityProperties properties) {
		return new RateLimits(rateLimitDataSource, properties.rateLimit(), properties.signInLimit(), Clock.systemUTC());
	}

}
