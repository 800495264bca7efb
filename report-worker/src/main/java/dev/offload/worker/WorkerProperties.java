package dev.offload.worker;

import java.net.URI;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How a report worker consumes and builds reports ({@code offload.worker.*}).
 * <p>
 * A worker holds at most {@code prefetch × concurrency} report tasks at a time; every
 * other task stays in the queue for another worker. Scale by adding workers rather than
 * raising the prefetch: a prefetched task waits behind a running report while an idle
 * worker could have taken it.
 *
 * @param prefetch how many unacknowledged tasks the broker may hand each consumer; 1
 * means a consumer takes the next task only after finishing the current one
 * @param concurrency how many reports one worker builds at the same time (one consumer
 * each); report generation is CPU-heavy, so about the number of cores
 * @param leaseDuration how long a claimed report stays owned by its worker without a sign
 * of life (claim or progress update); after that another worker may take it over. Keep it
 * below the broker's {@code consumer_timeout} (30 minutes by default)
 * @param progressInterval the least time between two progress updates of one report (a
 * database update and a PROGRESS event each)
 * @param publishConfirmTimeout how long to wait for the broker to confirm a published
 * event before treating the publish as failed
 * @param email the notification emails
 */
@ConfigurationProperties("offload.worker")
@Validated
public record WorkerProperties(@DefaultValue("1") @Min(1) @Max(100) int prefetch,
		@DefaultValue("2") @Min(1) @Max(64) int concurrency, @DefaultValue("15m") @NotNull Duration leaseDuration,
		@DefaultValue("1s") @NotNull Duration progressInterval,
		@DefaultValue("10s") @NotNull Duration publishConfirmTimeout, @DefaultValue @Valid Email email) {

	/**
	 * The emails telling users that their report is ready or has failed
	 * ({@code offload.worker.email.*}).
	 *
	 * @param from the sender address
	 * @param downloadBaseUrl the public base URL of api-service, where the links in the
	 * emails point (the link is {@code <downloadBaseUrl>/api/reports/<id>/file})
	 */
	public record Email(@DefaultValue("offload@localhost") @NotBlank @jakarta.validation.constraints.Email String from,
			@DefaultValue("http://localhost:8080") @NotNull URI downloadBaseUrl) {

	}

}
