package dev.offload.worker.pipeline;

import dev.offload.model.ReportTask;

/**
 * A task as it was delivered.
 *
 * @param task the task
 * @param delivery how it came
 */
record DeliveredTask(ReportTask task, TaskDelivery delivery) {

}
