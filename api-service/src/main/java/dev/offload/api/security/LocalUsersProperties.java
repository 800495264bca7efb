package dev.offload.api.security;

import java.util.List;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The users who may call the API with HTTP Basic ({@code offload.api.security.*}).
 * <p>
 * This is the local, stand-alone way to sign in: the users shipped in
 * {@code application.yaml} are for local runs and tests only, and a deployment replaces
 * them (environment variables {@code OFFLOAD_API_SECURITY_USERS_0_USERNAME}, ...) or
 * replaces this mechanism with a token issuer.
 *
 * @param users the users
 */
@ConfigurationProperties("offload.api.security")
@Validated
record LocalUsersProperties(@DefaultValue List<@Valid User> users) {

	/**
	 * One user.
	 *
	 * @param username the name to sign in with; also the stable id reports are owned by
	 * @param password the password, with a {@code {id}} prefix naming its encoding:
	 * {@code {bcrypt}...}, or {@code {noop}...} for plain text in local runs
	 * @param email where notifications about the user's reports go
	 * @param roles the user's roles, without the {@code ROLE_} prefix
	 */
	record User(@NotBlank String username, @NotBlank String password, @NotBlank @Email String email,
			@DefaultValue("USER") Set<String> roles) {

	}

}
