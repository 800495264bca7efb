package dev.offload.worker.email;

import dev.offload.worker.WorkerProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the outbox's emails every {@code offload.worker.email.poll-interval}, or
 * continuously while more are due. Not in the {@code seed} profile, which only fills the
 * sales data.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@Profile("!seed")
class EmailConfiguration {

	@Bean
	EmailSender emailSender(EmailOutbox outbox, JavaMailSender mailSender,
			PlatformTransactionManager transactionManager, WorkerProperties properties, MeterRegistry meters) {
		return new EmailSender(outbox, mailSender, transactionManager, properties, meters);
	}

	@Bean
	MeterBinder emailOutboxMetrics(EmailOutbox outbox) {
		return (registry) -> Gauge.builder("offload.emails.pending", outbox, EmailOutbox::pendingCount)
			.description("Emails waiting in the outbox to be sent")
			.register(registry);
	}

	@Bean
	BatchSummaries batchSummaries(JdbcClient jdbc, EmailOutbox outbox, PlatformTransactionManager transactionManager,
			WorkerProperties properties) {
		return new BatchSummaries(jdbc, outbox, new TransactionTemplate(transactionManager), properties);
	}

	@Bean
	SchedulingConfigurer emailSending(EmailSender sender, BatchSummaries summaries, WorkerProperties properties) {
		return (registrar) -> {
			// At a fixed rate: a poll that sent for its whole interval (sendDue stops
			// then,
			// so the other tasks get their turn) is followed by the next at once, not
			// after another interval, so sending keeps up with the reports.
			registrar.addFixedRateTask(sender::sendDue, properties.email().pollInterval());
			registrar.addFixedDelayTask(summaries::run, properties.email().pollInterval());
		};
	}

}
