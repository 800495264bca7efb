package dev.offload.worker.generation;

import dev.offload.model.ReportTask;
import dev.offload.model.ReportType;

/**
 * Builds the file of one kind of report. There is one generator bean per
 * {@link ReportType}.
 */
interface ReportGenerator {

	/**
	 * The kind of report this generator builds.
	 * @return the report type
	 */
	ReportType type();

	/**
	 * Builds the report the task asks for.
	 * @param task the task, with the report's parameters and format
	 * @param progress told how far the report is, from 0 to 100
	 * @return the finished file
	 * @throws ReportParametersException if the task's parameters cannot make a report
	 */
	GeneratedReport generate(ReportTask task, ProgressListener progress);

}
