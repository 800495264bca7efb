package dev.offload.api.security;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.offload.model.Owner;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Who may call what. The API is stateless: no session, no CSRF token (no cookie
 * authenticates a request, so there is nothing to forge), every request carries its
 * credentials. Today that is HTTP Basic against {@link LocalUsersProperties}; a token
 * issuer can replace the user store and the {@code httpBasic} line without touching the
 * controllers, which only see an {@link OwnerPrincipal}.
 * <p>
 * Authentication and authorization failures are handed to the MVC exception handling, so
 * they leave the API as the same problem details as every other error.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LocalUsersProperties.class)
public class SecurityConfiguration {

	@Bean
	SecurityFilterChain apiSecurityFilterChain(HttpSecurity http,
			@Qualifier("handlerExceptionResolver") HandlerExceptionResolver exceptionResolver) throws Exception {
		AuthenticationEntryPoint entryPoint = (request, response, ex) -> exceptionResolver.resolveException(request,
				response, null, ex);
		AccessDeniedHandler accessDeniedHandler = (request, response, ex) -> exceptionResolver.resolveException(request,
				response, null, ex);
		http.authorizeHttpRequests((requests) -> requests.requestMatchers(HttpMethod.GET, "/api/report-types")
			.permitAll()
			.requestMatchers("/actuator/health/**", "/error")
			.permitAll()
			.anyRequest()
			.authenticated())
			.httpBasic((basic) -> basic.authenticationEntryPoint(entryPoint))
			.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(entryPoint)
				.accessDeniedHandler(accessDeniedHandler))
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.csrf(AbstractHttpConfigurer::disable)
			.requestCache(AbstractHttpConfigurer::disable)
			.formLogin(AbstractHttpConfigurer::disable)
			.logout(AbstractHttpConfigurer::disable);
		return http.build();
	}

	/**
	 * Configured passwords carry a {@code {id}} prefix naming their encoding:
	 * {@code {bcrypt}} in a deployment, {@code {noop}} (plain text) only in the local
	 * defaults.
	 * @return the encoder
	 */
	@Bean
	PasswordEncoder passwordEncoder() {
		return PasswordEncoderFactories.createDelegatingPasswordEncoder();
	}

	@Bean
	UserDetailsService userDetailsService(LocalUsersProperties properties) {
		Map<String, LocalUsersProperties.User> users = properties.users()
			.stream()
			.collect(Collectors.toUnmodifiableMap(LocalUsersProperties.User::username, Function.identity()));
		return (username) -> {
			LocalUsersProperties.User user = users.get(username);
			if (user == null) {
				throw new UsernameNotFoundException("No user " + username);
			}
			// A fresh instance per authentication: the credentials are erased from it
			// afterwards.
			return new LocalUser(new Owner(user.username(), user.email()), user.password(), authorities(user.roles()));
		};
	}

	private static List<GrantedAuthority> authorities(Collection<String> roles) {
		return roles.stream().<GrantedAuthority>map((role) -> new SimpleGrantedAuthority("ROLE_" + role)).toList();
	}

}
