package dev.offload.api.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code offload.outbox.backlog}: accepted reports whose task the broker has not
 * confirmed yet. Near 0 normally; it grows while RabbitMQ is unreachable and drains when
 * it is back. Read when scraped (a count on a partial index of only those rows).
 */
@Component
class OutboxMetrics implements MeterBinder {

	private static final Logger logger = LoggerFactory.getLogger(OutboxMetrics.class);

	private final JdbcClient jdbc;

	OutboxMetrics(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("offload.outbox.backlog", this, OutboxMetrics::backlog)
			.description("Accepted reports whose task is not yet confirmed by the broker")
			.register(registry);
	}

	private double backlog() {
		try {
			return this.jdbc.sql("SELECT count(*) FROM reports WHERE task_published_at IS NULL AND status = 'QUEUED'")
				.query(Long.class)
				.single();
		}
		catch (DataAccessException ex) {
			logger.debug("Could not count the outbox: {}", ex.getMessage());
			return Double.NaN;
		}
	}

}
