package dev.offload.worker.pipeline;

import dev.offload.model.ReportTask;
import dev.offload.model.TaskHeaders;
import org.slf4j.MDC;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.support.AmqpHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.stereotype.Component;

/**
 * Consumes report tasks. The container acknowledges a task when this returns (the report
 * is finished, or its task safely handed to a retry queue or the dead letter queue),
 * requeues it on {@code ImmediateRequeueAmqpException}, and dead-letters it on anything
 * else; prefetch, concurrency and acknowledgement are set in
 * {@code WorkerMessagingConfiguration}.
 */
@Component
class ReportTaskListener {

	/** The MDC key carrying the id of the report being processed. */
	static final String REPORT_ID = "reportId";

	private final ReportPipeline pipeline;

	ReportTaskListener(ReportPipeline pipeline) {
		this.pipeline = pipeline;
	}

	@RabbitListener(id = "reportTasks", queues = "#{topology.generateQueue()}",
			containerFactory = "taskListenerContainerFactory")
	void on(ReportTask task, @Header(AmqpHeaders.REDELIVERED) boolean redelivered,
			@Header(name = TaskHeaders.ATTEMPT, required = false) Integer attempt,
			@Header(name = TaskHeaders.ABANDONED_CLAIM, required = false) Integer abandonedClaim) {
		generate(task, redelivered, attempt, abandonedClaim);
	}

	/**
	 * The bulk lane (schedules and batches), on consumers of its own: while they are all
	 * busy with a month-end pile, the interactive consumers above still take a report
	 * someone just asked for at once.
	 */
	@RabbitListener(id = "bulkReportTasks", queues = "#{topology.bulkQueue()}",
			containerFactory = "bulkTaskListenerContainerFactory")
	void onBulk(ReportTask task, @Header(AmqpHeaders.REDELIVERED) boolean redelivered,
			@Header(name = TaskHeaders.ATTEMPT, required = false) Integer attempt,
			@Header(name = TaskHeaders.ABANDONED_CLAIM, required = false) Integer abandonedClaim) {
		generate(task, redelivered, attempt, abandonedClaim);
	}

	private void generate(ReportTask task, boolean redelivered, Integer attempt, Integer abandonedClaim) {
		try (MDC.MDCCloseable mdc = MDC.putCloseable(REPORT_ID, task.reportId().toString())) {
			this.pipeline.generate(task, new TaskDelivery((attempt != null) ? attempt : 1, redelivered,
					(abandonedClaim != null) ? abandonedClaim : 0));
		}
	}

}
