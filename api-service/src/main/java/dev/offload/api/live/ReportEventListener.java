package dev.offload.api.live;

import dev.offload.model.ReportEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.stereotype.Component;

/**
 * Receives every report event through this replica's own queue (see
 * {@code ApiMessagingConfiguration#liveStatusQueue}), while a stream is open
 * ({@link LiveStatusSubscription}), and hands it to the live status streams.
 */
@Component
class ReportEventListener {

	private final LiveStatus liveStatus;

	private final Counter received;

	ReportEventListener(LiveStatus liveStatus, MeterRegistry meters) {
		this.liveStatus = liveStatus;
		this.received = Counter.builder("offload.live.events")
			.description(
					"Report events this replica took for its live status streams (none once no stream has been open for "
							+ "offload.api.live.unbind-after)")
			.register(meters);
	}

	@RabbitListener(id = "liveStatus", queues = "#{liveStatusQueue.name}",
			containerFactory = "liveStatusContainerFactory")
	void on(ReportEvent event) {
		this.received.increment();
		this.liveStatus.publish(event);
	}

}
