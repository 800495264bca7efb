package dev.offload.worker.catalogue;

import dev.offload.model.ReportTypeDescriptor;
import dev.offload.worker.render.DocumentWriter;

/**
 * One report type: its parameters, its query and how it lays out its result. Each type is
 * one package under {@code dev.offload.worker.catalogue} holding a {@code @Component}
 * that implements this; the pipeline runs any of them, the worker registers every one in
 * the catalogue, and the writers render what it lays out in any format its descriptor
 * offers.
 * <p>
 * A definition knows nothing of queues, formats or storage: it reads its data through
 * {@link ReportData} and describes the result to a {@link DocumentWriter} as it goes.
 */
public interface ReportDefinition {

	/**
	 * What this type is, as the catalogue shows it: name, version, parameters, formats.
	 * @return the descriptor
	 */
	ReportTypeDescriptor descriptor();

	/**
	 * The name a built report's file is saved as, without extension.
	 * @param parameters the report's parameters
	 * @return the base name, for example {@code sales-summary-2024-01-01-2024-12-31}
	 */
	String fileName(ReportParameters parameters);

	/**
	 * Builds the report: reads its data and lays it out, section by section.
	 * @param parameters the report's parameters, checked against the descriptor
	 * @param progress told how far the report is; also bounds how long it may run
	 * @param document where the report is laid out
	 * @throws ReportParametersException if the parameters cannot make a report (a
	 * permanent failure: the owner is told its message, which says what to fix; any other
	 * exception's message stays in the log)
	 */
	void build(ReportParameters parameters, ReportProgress progress, DocumentWriter document);

}
