package dev.offload.worker.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.rabbitmq.client.Channel;
import dev.offload.model.Messages;
import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.amqp.ImmediateRequeueAmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.converter.MessageConversionException;
import org.springframework.amqp.support.converter.MessageConverter;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Consumes report tasks, up to the consumer's prefetch at a time: the tasks the broker
 * has handed the consumer and it has not yet settled come together, so the pipeline can
 * claim and record quick reports several at a time ({@link ReportPipeline#generateAll}).
 * Each task is settled as it would be one at a time, by this listener (manual
 * acknowledgement; prefetch, concurrency and batching are set in
 * {@code WorkerMessagingConfiguration}); those acknowledged are acknowledged together,
 * with one frame:
 * <ul>
 * <li>acknowledged once the report is finished, or its task safely handed to a retry
 * queue or the dead letter queue;</li>
 * <li>requeued on {@code ImmediateRequeueAmqpException} (its successor could not be
 * published);</li>
 * <li>rejected without requeue, so the broker dead-letters it to
 * {@code reports.generate.dlq}, if it cannot be read (no JSON, an unknown schema version,
 * a header of the wrong type) or on any other failure (a bug).</li>
 * </ul>
 */
@Component
class ReportTaskListener {

	private static final Logger logger = LoggerFactory.getLogger(ReportTaskListener.class);

	/** The MDC key carrying the id of the report being processed. */
	static final String REPORT_ID = "reportId";

	private final ReportPipeline pipeline;

	private final MessageConverter converter;

	/**
	 * Set once the application starts closing, before the containers stop: the tasks of a
	 * batch not yet started then go back to the queue.
	 */
	private volatile boolean stopping;

	ReportTaskListener(ReportPipeline pipeline, MessageConverter converter) {
		this.pipeline = pipeline;
		this.converter = converter;
	}

	@RabbitListener(id = "reportTasks", queues = "#{topology.generateQueue()}",
			containerFactory = "taskListenerContainerFactory")
	void on(List<Message> messages, Channel channel) throws IOException {
		generate(messages, channel);
	}

	/**
	 * The bulk lane (schedules and batches), on consumers of its own: while they are all
	 * busy with a month-end pile, the interactive consumers above still take a report
	 * someone just asked for at once.
	 */
	@RabbitListener(id = "bulkReportTasks", queues = "#{topology.bulkQueue()}",
			containerFactory = "bulkTaskListenerContainerFactory")
	void onBulk(List<Message> messages, Channel channel) throws IOException {
		generate(messages, channel);
	}

	@EventListener(ContextClosedEvent.class)
	void stopping() {
		this.stopping = true;
	}

	private void generate(List<Message> messages, Channel channel) throws IOException {
		List<DeliveredTask> tasks = new ArrayList<>(messages.size());
		List<Long> tags = new ArrayList<>(messages.size());
		for (Message message : messages) {
			long tag = message.getMessageProperties().getDeliveryTag();
			try {
				tasks.add(read(message));
				tags.add(tag);
			}
			catch (RuntimeException ex) {
				// MessageConversionException, or a field the task's record refused.
				logger.warn("Dead-lettering an unreadable task: {}", ex.getMessage());
				channel.basicNack(tag, false, false);
			}
		}
		List<Long> unsettled = new ArrayList<>(tags);
		try {
			if (!tasks.isEmpty()) {
				settle(channel, tasks, this.pipeline.generateAll(tasks, () -> this.stopping), tags, unsettled);
			}
		}
		finally {
			// The pipeline settles each task's failure itself, so this is an Error, a
			// bug or a channel that closed: whatever is not settled goes back to the
			// queue, where its report is found again (finished, or taken over), rather
			// than staying held until the broker's consumer timeout.
			unsettled.forEach((tag) -> requeueQuietly(channel, tag));
		}
	}

	/**
	 * Settles the tasks of a batch as each would be settled alone: those not to be
	 * acknowledged first, one by one, then all the others with one acknowledgement
	 * ({@code multiple}) of the last of them. The channel is the consumer's own, and
	 * every delivery it handed out before this batch was settled before this batch came,
	 * so that acknowledgement reaches only this batch's tasks: one frame, and one
	 * settlement in the quorum queue's log, instead of one each.
	 * @param unsettled the tags not yet settled, removed as they are
	 */
	private static void settle(Channel channel, List<DeliveredTask> tasks, List<RuntimeException> thrown,
			List<Long> tags, List<Long> unsettled) throws IOException {
		List<Long> acknowledged = new ArrayList<>(tasks.size());
		for (int i = 0; i < tasks.size(); i++) {
			Long tag = tags.get(i);
			if (thrown.get(i) == null) {
				acknowledged.add(tag);
			}
			else {
				reject(channel, tag, tasks.get(i).task(), thrown.get(i));
				unsettled.remove(tag);
			}
		}
		if (!acknowledged.isEmpty()) {
			channel.basicAck(acknowledged.get(acknowledged.size() - 1), true);
			unsettled.removeAll(acknowledged);
		}
	}

	private static void requeueQuietly(Channel channel, long tag) {
		try {
			channel.basicNack(tag, false, true);
		}
		catch (IOException | RuntimeException ex) {
			// The channel is gone: RabbitMQ requeues what it held.
			logger.debug("Could not requeue task {}: {}", tag, ex.getMessage());
		}
	}

	private static void reject(Channel channel, long tag, ReportTask task, RuntimeException thrown) throws IOException {
		if (thrown instanceof ImmediateRequeueAmqpException) {
			channel.basicNack(tag, false, true);
		}
		else {
			logger.error("Dead-lettering the task of report {}: it failed on an unexpected error", task.reportId(),
					thrown);
			channel.basicNack(tag, false, false);
		}
	}

	private DeliveredTask read(Message message) {
		ReportTask task = Messages.read(message, this.converter, ReportTask.class);
		MessageProperties properties = message.getMessageProperties();
		boolean redelivered = Boolean.TRUE.equals(properties.isRedelivered());
		int attempt = intHeader(properties, TaskHeaders.ATTEMPT, 1);
		int abandonedClaim = intHeader(properties, TaskHeaders.ABANDONED_CLAIM, 0);
		return new DeliveredTask(task, new TaskDelivery(attempt, redelivered, abandonedClaim));
	}

	private static int intHeader(MessageProperties properties, String name, int absent) {
		Object value = properties.getHeader(name);
		if (value == null) {
			return absent;
		}
		if (value instanceof Number number) {
			return number.intValue();
		}
		throw new MessageConversionException("Header " + name + " is not a number: " + value);
	}

}
