package dev.offload.worker.pipeline;

import dev.offload.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs {@link OutcomeAnnouncements} every {@code offload.worker.announcements.interval}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@Profile("!seed")
class OutcomeAnnouncementsConfiguration {

	@Bean
	OutcomeAnnouncements outcomeAnnouncements(JdbcClient jdbc, PlatformTransactionManager transactionManager,
			ReportEventPublisher events, MeterRegistry meters, WorkerProperties properties) {
		return new OutcomeAnnouncements(jdbc, new TransactionTemplate(transactionManager), events, meters, properties);
	}

	@Bean
	@ConditionalOnProperty(name = "offload.worker.announcements.enabled", matchIfMissing = true)
	SchedulingConfigurer outcomeAnnouncementSchedule(OutcomeAnnouncements announcements, WorkerProperties properties) {
		return (registrar) -> registrar.addFixedDelayTask(announcements::run, properties.announcements().interval());
	}

}
