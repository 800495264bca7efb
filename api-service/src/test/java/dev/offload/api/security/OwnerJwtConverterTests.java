package dev.offload.api.security;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.offload.model.Owner;
import org.junit.jupiter.api.Test;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class OwnerJwtConverterTests {

	private final OwnerJwtConverter converter = new OwnerJwtConverter(
			new ApiSecurityProperties.Jwt("uid", "mail", "groups"));

	@Test
	void ownerAndRolesComeFromTheConfiguredClaims() {
		AbstractAuthenticationToken authentication = this.converter
			.convert(jwt(Map.of("uid", "u-42", "mail", "dora@example.com", "groups", "USER ADMIN", "sub", "other")));

		assertThat(((OwnerPrincipal) authentication.getPrincipal()).owner())
			.isEqualTo(new Owner("u-42", "dora@example.com"));
		assertThat(authentication.getName()).isEqualTo("u-42");
		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.containsExactly("ROLE_USER", "ROLE_ADMIN");
	}

	@Test
	void rolesThatAreNoPlainNamesAreIgnored() {
		AbstractAuthenticationToken authentication = this.converter.convert(
				jwt(Map.of("uid", "u-42", "mail", "dora@example.com", "groups", List.of("USER", "ADMIN,ROOT", ""))));

		assertThat(authentication.getAuthorities()).extracting(GrantedAuthority::getAuthority)
			.containsExactly("ROLE_USER");
	}

	@Test
	void tokenWithoutAUsableOwnerIsRefused() {
		for (Map<String, Object> claims : List.<Map<String, Object>>of(Map.of("mail", "dora@example.com"),
				Map.of("uid", " ", "mail", "dora@example.com"), Map.of("uid", "x".repeat(256), "mail", "d@example.com"),
				Map.of("uid", "u\n1", "mail", "d@example.com"), Map.of("uid", "u-42"),
				Map.of("uid", "u-42", "mail", "not an address"), Map.of("uid", "u-42", "mail", "a@b.c, e@f.g"),
				Map.of("uid", "u-42", "mail", "Dora <dora@example.com>"))) {
			assertThatExceptionOfType(InvalidBearerTokenException.class).as("%s", claims)
				.isThrownBy(() -> this.converter.convert(jwt(claims)));
		}
	}

	private static Jwt jwt(Map<String, Object> claims) {
		return Jwt.withTokenValue("token")
			.header("alg", "RS256")
			.claims((all) -> all.putAll(claims))
			.issuedAt(Instant.now())
			.expiresAt(Instant.now().plusSeconds(60))
			.build();
	}

}
