package dev.offload.api.report;

import dev.offload.model.DownloadLinkSignature;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The signed download links the worker mails ({@code offload.download-links.*}): a
 * report's file is served without credentials to a link signed with this secret that has
 * not expired.
 *
 * @param secret the secret shared with report-worker
 * ({@code OFFLOAD_DOWNLOAD_LINKS_SECRET}, at least 32 characters). Only local runs have a
 * default; the {@code prod} profile has none, so a deployment that does not set it does
 * not start
 */
@ConfigurationProperties("offload.download-links")
@Validated
record DownloadLinkProperties(@NotBlank @Size(min = DownloadLinkSignature.MIN_SECRET_LENGTH) String secret) {

}
