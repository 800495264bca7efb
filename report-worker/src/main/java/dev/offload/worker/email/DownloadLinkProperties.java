package dev.offload.worker.email;

import java.time.Duration;

import dev.offload.model.DownloadLinkSignature;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The signed download links in the "report ready" emails
 * ({@code offload.download-links.*}). api-service serves a report's file without
 * credentials to whoever holds an unexpired link signed with the same secret.
 *
 * @param secret the secret shared with api-service
 * ({@code OFFLOAD_DOWNLOAD_LINKS_SECRET}, at least 32 characters). Only local runs have a
 * default; the {@code prod} profile has none, so a deployment that does not set it does
 * not start
 * @param validity how long a mailed link works (default 7 days)
 */
@ConfigurationProperties("offload.download-links")
@Validated
record DownloadLinkProperties(@NotBlank @Size(min = DownloadLinkSignature.MIN_SECRET_LENGTH) String secret,
		@DefaultValue("7d") @NotNull Duration validity) {

	@AssertTrue(message = "offload.download-links.validity must be positive")
	boolean isValidityPositive() {
		return this.validity == null || (!this.validity.isNegative() && !this.validity.isZero());
	}

}
