package dev.offload.worker.pipeline;

import java.util.List;

import dev.offload.worker.catalogue.Catalogue;
import dev.offload.worker.catalogue.ReportDefinition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/**
 * The worker's report metrics, registered for every report type this worker offers from
 * the start so a dashboard shows 0 rather than nothing:
 * <ul>
 * <li>{@code offload.reports.succeeded} and {@code offload.reports.failed} (tag
 * {@code failure}: permanent, timed-out, unexpected, or exhausted after the last retry),
 * by {@code type};</li>
 * <li>{@code offload.report.generation}: how long building a report took, a histogram
 * (percentiles in Prometheus);</li>
 * <li>{@code offload.tasks.retried}: tasks sent to a retry queue after a transient
 * failure.</li>
 * </ul>
 */
@Component
class PipelineMetrics implements MeterBinder {

	static final String SUCCEEDED = "offload.reports.succeeded";

	static final String FAILED = "offload.reports.failed";

	static final String DURATION = "offload.report.generation";

	static final String RETRIED = "offload.tasks.retried";

	private static final List<String> FAILURES = List.of("permanent", "timed-out", "unexpected", "exhausted");

	private final Catalogue catalogue;

	PipelineMetrics(Catalogue catalogue) {
		this.catalogue = catalogue;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (ReportDefinition definition : this.catalogue.definitions()) {
			String name = definition.descriptor().name();
			Counter.builder(SUCCEEDED).description("Reports built and stored").tag("type", name).register(registry);
			for (String failure : FAILURES) {
				Counter.builder(FAILED)
					.description("Reports that failed for good")
					.tags("type", name, "failure", failure)
					.register(registry);
			}
			Counter.builder(RETRIED)
				.description("Tasks retried after a transient failure")
				.tag("type", name)
				.register(registry);
			Timer.builder(DURATION)
				.description("Time to build and store a report")
				.tag("type", name)
				.publishPercentileHistogram()
				.register(registry);
		}
	}

}
