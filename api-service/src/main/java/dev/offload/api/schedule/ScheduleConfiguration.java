package dev.offload.api.schedule;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;

/**
 * Runs {@link ScheduleSweep} every {@code offload.api.schedules.interval} on every
 * replica that has {@code offload.api.schedules.enabled}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ScheduleConfiguration {

	/**
	 * The time schedules run by; tests supply one they can move.
	 * @return the system clock
	 */
	@Bean
	@ConditionalOnMissingBean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	@ConditionalOnProperty(name = "offload.api.schedules.enabled", matchIfMissing = true)
	SchedulingConfigurer scheduleSweeps(ScheduleSweep sweep, ScheduleProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(sweep::run, properties.interval());
	}

}
