package dev.offload.api.webhook;

import java.io.IOException;
import java.util.List;

import com.rabbitmq.client.Channel;
import dev.offload.model.ReportEvent;
import dev.offload.model.ReportEventBatches;
import dev.offload.model.ReportEventBatches.Failure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Consumes report events from {@code reports.events.webhooks}, one durable queue that
 * every API replica consumes from (competing consumers), and records the webhook events
 * of finished reports.
 * <p>
 * Events come in batches of up to {@value WebhookConfiguration#WEBHOOK_BATCH}: one query
 * finds which of their owners have an endpoint for them (most have none, and their events
 * record nothing), and one acknowledgement covers the batch. The batch is settled as
 * {@link ReportEventBatches} says: while PostgreSQL is unreachable it is requeued; an
 * event that meets a deadlock or a timeout alone is requeued alone; an unreadable event,
 * or one that cannot be recorded for any other reason, is dead-lettered to
 * {@code reports.events.webhooks.dlq}, and only it.
 */
@Component
class ReportWebhookListener implements ReportEventBatches.Work {

	private static final Logger logger = LoggerFactory.getLogger(ReportWebhookListener.class);

	private final ReportWebhooks reportWebhooks;

	private final MessageConverter converter;

	ReportWebhookListener(ReportWebhooks reportWebhooks, MessageConverter converter) {
		this.reportWebhooks = reportWebhooks;
		this.converter = converter;
	}

	@RabbitListener(id = "reportWebhooks", queues = "#{topology.webhooksQueue()}",
			containerFactory = "webhooksContainerFactory")
	void on(List<Message> messages, Channel channel) throws IOException {
		ReportEventBatches.handle(messages, channel, this.converter, this, logger);
	}

	@Override
	public void handle(List<ReportEvent> events) {
		this.reportWebhooks.finished(events);
	}

	@Override
	public Failure classify(RuntimeException failure) {
		if (failure instanceof DataAccessResourceFailureException
				|| failure instanceof CannotCreateTransactionException) {
			// Each event would take a connection timeout, so the requeue does not spin.
			return Failure.UNREACHABLE;
		}
		return (failure instanceof TransientDataAccessException) ? Failure.TRANSIENT : Failure.PERMANENT;
	}

}
