package dev.offload.api.report;

import com.zaxxer.hikari.HikariDataSource;
import dev.offload.api.ApiProperties;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code offload.api.accept.*} is checked while it is bound: a group commit that could
 * never run a statement, never put a report in one, or would take the whole connection
 * pool, stops the service at start-up, naming the property.
 */
class AcceptPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesConfiguration.class);

	@Test
	void defaultsInsertUpTo32ReportsPerStatementWithAtMost4StatementsAtOnce() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			ApiProperties.Accept accept = context.getBean(ApiProperties.class).accept();
			assertThat(accept.maxBatch()).isEqualTo(32);
			assertThat(accept.concurrentStatements()).isEqualTo(4);
		});
	}

	@Test
	void noStatementsAtAllFailsStartUp() {
		this.runner.withPropertyValues("offload.api.accept.concurrent-statements=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("accept.concurrentStatements")
				.hasMessageContaining("must be greater than or equal to 1"));
	}

	@Test
	void emptyStatementsFailStartUp() {
		this.runner.withPropertyValues("offload.api.accept.max-batch=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("accept.maxBatch")
				.hasMessageContaining("must be greater than or equal to 1"));
	}

	@Test
	void aBatchSizeThatIsNotANumberFailsStartUp() {
		this.runner.withPropertyValues("offload.api.accept.max-batch=lots")
			.run((context) -> assertThat(context).getFailure().rootCause().hasMessageContaining("lots"));
	}

	@Test
	void asManyStatementsAsPooledConnectionsFailsStartUp() {
		try (HikariDataSource pool = new HikariDataSource()) {
			pool.setMaximumPoolSize(4);
			Admissions.requireBelowPoolSize(3, pool);
			assertThatIllegalStateException().isThrownBy(() -> Admissions.requireBelowPoolSize(4, pool))
				.withMessageContaining("offload.api.accept.concurrent-statements (4) must be below "
						+ "spring.datasource.hikari.maximum-pool-size (4)");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ApiProperties.class)
	static class PropertiesConfiguration {

	}

}
