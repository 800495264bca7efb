package dev.offload.model;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DownloadLinkSignatureTests {

	private static final String SECRET = "a-test-secret-that-is-long-enough-0123456789";

	private final DownloadLinkSignature signature = new DownloadLinkSignature(SECRET);

	private final UUID reportId = UUID.fromString("6f1c2a59-8a43-4a8e-9d0e-2d1f3c4b5a69");

	@Test
	void signatureMatchesTheValuesItWasMadeFor() {
		String signed = this.signature.sign(this.reportId, "alice", 1_900_000_000L);

		assertThat(signed).hasSize(43).matches("[A-Za-z0-9_-]+");
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, signed)).isTrue();
		assertThat(new DownloadLinkSignature(SECRET).sign(this.reportId, "alice", 1_900_000_000L)).isEqualTo(signed);
	}

	@Test
	void signatureDoesNotMatchAnotherReportUserOrExpiry() {
		String signed = this.signature.sign(this.reportId, "alice", 1_900_000_000L);

		assertThat(this.signature.matches(UUID.randomUUID(), "alice", 1_900_000_000L, signed)).isFalse();
		assertThat(this.signature.matches(this.reportId, "bob", 1_900_000_000L, signed)).isFalse();
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_001L, signed)).isFalse();
	}

	@Test
	void signatureMadeWithAnotherSecretDoesNotMatch() {
		String forged = new DownloadLinkSignature(SECRET + "x").sign(this.reportId, "alice", 1_900_000_000L);

		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, forged)).isFalse();
	}

	@Test
	void tamperedOrMalformedSignatureDoesNotMatch() {
		String signed = this.signature.sign(this.reportId, "alice", 1_900_000_000L);
		char last = signed.charAt(signed.length() - 1);
		String tampered = signed.substring(0, signed.length() - 1) + ((last == 'A') ? 'B' : 'A');

		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, tampered)).isFalse();
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, null)).isFalse();
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, "")).isFalse();
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, "not base64 !")).isFalse();
		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, signed + signed)).isFalse();
	}

	@Test
	void userIdCannotBeShiftedIntoTheExpiry() {
		// The fields are separated, so "alice\n1" + "9..." cannot sign as "alice" +
		// "19...".
		String signed = this.signature.sign(this.reportId, "alice\n1", 900_000_000L);

		assertThat(this.signature.matches(this.reportId, "alice", 1_900_000_000L, signed)).isFalse();
	}

	@Test
	void shortSecretIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new DownloadLinkSignature("too-short"))
			.withMessageContaining("at least 32");
	}

}
