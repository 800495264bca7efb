package dev.offload.worker.generation;

import dev.offload.model.ReportTask;
import org.slf4j.MDC;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.AmqpHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

/**
 * Consumes report tasks. The container acknowledges a task when this returns and
 * dead-letters it when this throws; prefetch, concurrency and acknowledgement are set in
 * {@code WorkerMessagingConfiguration}.
 */
@Component
class ReportTaskListener {

	/** The MDC key carrying the id of the report being processed. */
	static final String REPORT_ID = "reportId";

	private final GenerationService generation;

	ReportTaskListener(GenerationService generation) {
		this.generation = generation;
	}

	@RabbitListener(id = "reportTasks", queues = "#{topology.generateQueue()}",
			containerFactory = "taskListenerContainerFactory")
	void on(ReportTask task, @Header(AmqpHeaders.REDELIVERED) boolean redelivered) {
		try (MDC.MDCCloseable mdc = MDC.putCloseable(REPORT_ID, task.reportId().toString())) {
			this.generation.generate(task, redelivered);
		}
	}

}
