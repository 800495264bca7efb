package dev.offload.api.live;

import dev.offload.model.ReportEvent;

import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.stereotype.Component;

/**
 * Receives every report event through this replica's own queue (see
 * {@code ApiMessagingConfiguration#liveStatusQueue}) and hands it to the live status
 * streams.
 */
@Component
class ReportEventListener {

	private final LiveStatus liveStatus;

	ReportEventListener(LiveStatus liveStatus) {
		this.liveStatus = liveStatus;
	}

	@RabbitListener(id = "liveStatus", queues = "#{liveStatusQueue.name}",
			containerFactory = "liveStatusContainerFactory")
	void on(ReportEvent event) {
		this.liveStatus.publish(event);
	}

}
