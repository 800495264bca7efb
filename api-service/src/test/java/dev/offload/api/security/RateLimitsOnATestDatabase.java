package dev.offload.api.security;

import java.time.Clock;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;

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
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(rateLimitDatabase.jdbcUrl());
		dataSource.setUsername(rateLimitDatabase.username());
		dataSource.setPassword(rateLimitDatabase.password());
		dataSource.setMaximumPoolSize(2);
		Flyway.configure().dataSource(dataSource).load().migrate();
		return dataSource;
	}

	@Bean
	RateLimits rateLimits(HikariDataSource rateLimitDataSource, ApiSecurityProperties properties) {
		return new RateLimits(rateLimitDataSource, properties.rateLimit(), properties.signInLimit(), Clock.systemUTC());
	}

}
