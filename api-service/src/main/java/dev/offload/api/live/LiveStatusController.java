package dev.offload.api.live;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.model.Owner;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The caller's live status stream: server-sent events about their reports, pushed as the
 * worker publishes them, from whichever replica the caller is connected to.
 */
@RestController
@Tag(name = "Reports")
class LiveStatusController {

	private final LiveStatus liveStatus;

	LiveStatusController(LiveStatus liveStatus) {
		this.liveStatus = liveStatus;
	}

	/**
	 * Opens a stream. Its first event, {@code ready}, says the stream is subscribed: a
	 * client that (re)reads its reports after it misses nothing in between. Each later
	 * event, {@code report}, is a {@link LiveReportEvent} of one of the caller's reports.
	 * The stream carries no history: a client that reconnects reads the reports again.
	 * @param owner the caller
	 * @return the stream
	 */
	@Operation(summary = "Live status of the caller's reports (server-sent events: ready, then report events)")
	@ApiResponse(responseCode = "200",
			description = "An open stream: first an event named 'ready' (data {}), then one event named 'report' "
					+ "per change of one of the caller's reports, whose data is the schema below",
			content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
					schema = @Schema(implementation = LiveReportEvent.class)))
	@GetMapping(path = "/api/reports/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	SseEmitter events(Owner owner) {
		return this.liveStatus.open(owner);
	}

}
