package dev.offload.api.security;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;

/**
 * The {@link RateLimits} every replica shares, in the application's database, and the
 * removal of buckets that have filled up again, every minute.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class RateLimitConfiguration {

	@Bean(destroyMethod = "close")
	RateLimits rateLimits(DataSource dataSource, ApiSecurityProperties properties) {
		return new RateLimits(dataSource, properties.rateLimit(), properties.signInLimit(), Clock.systemUTC());
	}

	@Bean
	SchedulingConfigurer rateLimitCleanup(RateLimits limits) {
		return (registrar) -> registrar.addFixedDelayTask(limits::removeExpired, Duration.ofMinutes(1));
	}

}
