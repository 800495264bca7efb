package dev.offload.api.webhook;

import java.util.Base64;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignatureTests {

	/** The example of the Standard Webhooks specification's reference libraries. */
	@Test
	void signatureMatchesTheStandardWebhooksTestVector() {
		assertThat(WebhookSignature.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
				1614265330L, "{\"test\": 2432232314}"))
			.isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	}

	@Test
	void newSecretsAreStandardWebhooksSecretsOfThirtyTwoRandomBytes() {
		String secret = WebhookSignature.newSecret();

		assertThat(secret).startsWith("whsec_").isNotEqualTo(WebhookSignature.newSecret());
		assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
	}

}
